/* Sitmap basemap: the built-in outline map, raster tile layers, district context.
 *
 * Under everything: sea colour, Natural Earth land, coastlines and borders from
 * /basemap/land.json (shipped with the app), so the map shows where things are with
 * no network and no tile pack. Above it: the tile layers Python names (packs and the
 * optional online layer), all served from this app at /tiles/<id>/{z}/{x}/{y}: raster
 * tiles as images, vector tiles (OpenMapTiles or Protomaps schema) drawn by the vendored
 * protomaps-leaflet with the quiet style below, so Sitmap's markers stay the loudest
 * thing on the map. Above those: district outlines with their names.
 *
 * Same rules as the rest of the page: names from files reach the DOM only through
 * textContent; the only string handed to Leaflet's attribution (which it writes as
 * HTML) is escaped first.
 */
(function () {
  "use strict";

  var LAND = "#f3f1ea", COAST = "#6f8ba3", BORDER = "#8b7f99", DISTRICT = "#52525b";
  var TILE_URL = /^\/tiles\/[a-z0-9-]{1,40}\/\{z\}\/\{x\}\/\{y\}$/;
  var LABEL_ZOOM = 11;

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // -- the vector style --------------------------------------------------------------------
  // Muted land, water and parks; roads white or pale yellow with a grey casing; place
  // names in grey with a white halo. Layer names of both common schemas: OpenMapTiles
  // (water, park, building, transportation, place) and Protomaps (water, landuse, buildings,
  // roads, places). Feature properties are only read, never put into the page.
  var V = { land: "#f2efe9", water: "#b7d0e1", park: "#dde8d2", building: "#e1dbd1", casing: "#c3bcb0",
            major: "#f6d58c", majorCasing: "#d6a94a", minor: "#ffffff", text: "#55514a" };
  var MAJOR = { motorway: 1, trunk: 1, primary: 1, highway: 1, major_road: 1 };
  var MID = { secondary: 1, tertiary: 1 };
  function roadClass(f) {
    var p = f.props || {};
    return String(p["class"] || p.kind || p.highway || "");
  }
  function isMajor(z, f) { return !!MAJOR[roadClass(f)]; }
  function isMid(z, f) { return !!MID[roadClass(f)]; }
  function isMinor(z, f) { var c = roadClass(f); return !MAJOR[c] && !MID[c]; }
  function zw(stops) { return function (z) {  // width by zoom, linear between stops
    for (var i = 1; i < stops.length; i++) {
      if (z <= stops[i][0]) {
        var a = stops[i - 1], b = stops[i], t = (z - a[0]) / (b[0] - a[0]);
        return a[1] + (b[1] - a[1]) * Math.max(0, Math.min(1, t));
      }
    }
    return stops[stops.length - 1][1];
  }; }
  function vectorRules(P) {
    var fill = function (layers, color, opts) {
      return layers.map(function (dl) {
        return Object.assign({ dataLayer: dl, symbolizer: new P.PolygonSymbolizer({ fill: color, opacity: 1 }) }, opts || {});
      });
    };
    var line = function (layers, color, width, filter, minzoom) {
      return layers.map(function (dl) {
        return { dataLayer: dl, filter: filter, minzoom: minzoom || 0,
                 symbolizer: new P.LineSymbolizer({ color: color, width: width, lineCap: "round", lineJoin: "round" }) };
      });
    };
    var roads = ["transportation", "roads"];
    var paint = [].concat(
      fill(["earth"], V.land),
      fill(["landcover", "landuse", "park", "natural"], V.park),
      fill(["water"], V.water),
      line(["waterway"], V.water, zw([[10, 0.5], [16, 3]])),
      fill(["building", "buildings"], V.building, { minzoom: 14 }),
      line(roads, V.casing, zw([[12, 1.5], [15, 5], [18, 12]]), isMinor, 13),
      line(roads, V.minor, zw([[12, 0.8], [15, 3.5], [18, 10]]), isMinor, 12),
      line(roads, V.majorCasing, zw([[8, 1.5], [12, 3], [15, 8], [18, 18]]), function (z, f) { return isMajor(z, f) || isMid(z, f); }),
      line(roads, V.major, zw([[8, 0.8], [12, 2], [15, 6], [18, 15]]), function (z, f) { return isMajor(z, f) || isMid(z, f); }),
      line(["boundary", "boundaries"], "#9d8fb0", zw([[4, 0.6], [12, 1.2]]))
    );
    // Place names: Korean first (the Hangul font is the page's own), drawn on the canvas.
    var labels = ["place", "places"].map(function (dl) {
      return { dataLayer: dl, symbolizer: new P.CenteredTextSymbolizer({
        labelProps: ["name:ko", "name_ko", "name", "name:en", "name_en"], font: "600 13px 'Sitmap Sans', sans-serif",
        fill: V.text, stroke: "#ffffff", width: 3,
      }) };
    });
    return { paint: paint, labels: labels };
  }

  function pane(map, name, z, cls) {
    var p = map.getPane(name) || map.createPane(name);
    p.style.zIndex = z;
    p.style.pointerEvents = "none";
    if (cls) L.DomUtil.addClass(p, cls);
    return p;
  }

  /** The largest outer ring's area-weighted centre: a label point inside most districts. */
  function labelPoint(geom) {
    var polys = geom.type === "Polygon" ? [geom.coordinates] : geom.type === "MultiPolygon" ? geom.coordinates : [];
    var best = null, bestA = 0;
    polys.forEach(function (poly) {
      var ring = poly[0] || [], a = 0, cx = 0, cy = 0;
      for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        var f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
        a += f; cx += (ring[j][0] + ring[i][0]) * f; cy += (ring[j][1] + ring[i][1]) * f;
      }
      if (Math.abs(a) > bestA) { bestA = Math.abs(a); best = [cy / (3 * a), cx / (3 * a)]; }
    });
    return best;
  }

  var StatusControl = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd: function () {
      var el = L.DomUtil.create("div", "sitmap-basemap-status leaflet-control");
      this._text = L.DomUtil.create("span", "", el);
      this._warn = L.DomUtil.create("span", "sitmap-basemap-missing", el);
      L.DomEvent.disableClickPropagation(el);
      return el;
    },
    set: function (text, warning) {
      this._text.textContent = text;
      this._warn.textContent = warning ? " · " + warning : "";
      this._warn.style.display = warning ? "" : "none";
    },
  });

  function create(map, S) {
    if (S.basemap) return S.basemap;
    var st = (S.state.basemap = {
      outline: "loading", outlineFeatures: 0, layers: [], tilesLoaded: 0, tilesFailed: 0, tilesMissing: 0,
      context: 0, contextLabels: 0, showing: "",
    });
    var label = function (key, fallback) { return (S.labels && S.labels[key]) || fallback; };
    L.DomUtil.addClass(map.getContainer(), "sitmap-sea");  // the sea colour: basemap.css
    pane(map, "sitmapBasemap", 150);
    pane(map, "sitmapContext", 350);
    var labelPane = pane(map, "sitmapContextLabels", 360, "leaflet-zoom-hide");

    var status = new StatusControl().addTo(map);
    var tileLayers = [], failed = {}, contextLayer = null, labels = [];

    function refreshStatus() {
      var names = st.layers.map(function (l) { return l.online ? l.name + " (" + label("basemap_online", "online") + ")" : l.name; });
      st.showing = names.length ? names.reverse().join(" + ") : label("basemap_outline", "offline outline");
      st.tilesMissing = Object.keys(failed).length;
      status.set(label("basemap", "Basemap") + ": " + st.showing,
                 st.tilesMissing ? label("basemap_missing", "tiles missing") + " (" + st.tilesMissing + ")" : "");
    }

    // -- the outline: land, coast, borders ------------------------------------------------
    var renderer = L.canvas({ pane: "sitmapBasemap", padding: 0.3 });
    var styles = {
      land: { stroke: false, fill: true, fillColor: LAND, fillOpacity: 1 },
      coast: { color: COAST, weight: 1, opacity: 0.9, fill: false },
      border: { color: BORDER, weight: 1.2, opacity: 0.9, dashArray: "5 3", fill: false },
    };
    fetch("/basemap/land.json").then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (fc) {
      L.geoJSON(fc, {
        renderer: renderer, interactive: false, attribution: "Natural Earth",
        style: function (f) { return styles[(f.properties || {}).layer] || styles.coast; },
      }).addTo(map);
      st.outline = "drawn";
      st.outlineFeatures = (fc.features || []).length;
    }).catch(function (e) {
      st.outline = "failed";
      S.log("error", "basemap outline: " + (e && e.message || e));
    });

    // -- raster tile layers -------------------------------------------------------------
    function setTileLayers(list) {
      tileLayers.forEach(function (t) { map.removeLayer(t); });
      tileLayers = []; failed = {}; st.layers = []; st.tilesLoaded = 0; st.tilesFailed = 0;
      (list || []).forEach(function (item, i) {
        if (!item || !TILE_URL.test(String(item.url))) {
          S.log("warning", "basemap: refused a tile layer whose URL is not an app tile path");
          return;
        }
        var b = item.bounds, opts = {
          pane: "tilePane", zIndex: i + 1, maxZoom: 20, maxNativeZoom: item.maxNativeZoom == null ? 18 : +item.maxNativeZoom,
          minZoom: item.minZoom || 0, opacity: item.opacity == null ? 1 : +item.opacity,
          attribution: esc(item.attribution), keepBuffer: 1, updateWhenZooming: false,
        };
        if (b && b.length === 4) opts.bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
        var layer;
        if (item.format === "mvt") {
          if (!window.protomapsL) { S.log("error", "basemap: the vector renderer is missing"); return; }
          var rules = vectorRules(window.protomapsL);
          // The renderer fetches /tiles/<id>/{z}/{x}/{y} itself and draws on a canvas per tile;
          // past the pack's last zoom it draws that zoom's data larger (maxDataZoom).
          layer = window.protomapsL.leafletLayer(Object.assign(opts, {
            url: item.url, paintRules: rules.paint, labelRules: rules.labels, backgroundColor: V.land,
            maxDataZoom: opts.maxNativeZoom, maxNativeZoom: undefined, tileDelay: 1,
          }));
        } else {
          layer = L.tileLayer(item.url, opts);
        }
        var id = String(item.id);
        layer.on("tileload", function () { st.tilesLoaded++; });
        layer.on("tileerror", function (ev) {
          st.tilesFailed++;
          failed[id + "/" + ev.coords.z + "/" + ev.coords.x + "/" + ev.coords.y] = true;
          refreshStatus();
        });
        // A gap the commander panned away from no longer counts as missing.
        layer.on("tileunload", function (ev) {
          var k = id + "/" + ev.coords.z + "/" + ev.coords.x + "/" + ev.coords.y;
          if (failed[k]) { delete failed[k]; refreshStatus(); }
        });
        layer.addTo(map);
        tileLayers.push(layer);
        st.layers.push({ id: id, name: String(item.name || id), online: !!item.online, vector: item.format === "mvt" });
      });
      refreshStatus();
    }

    // -- district context ---------------------------------------------------------------
    function placeLabels() {
      var show = map.getZoom() >= LABEL_ZOOM;
      labelPane.style.display = show ? "" : "none";
      st.contextLabels = show ? labels.length : 0;
      if (!show) return;
      labels.forEach(function (l) { L.DomUtil.setPosition(l.el, map.latLngToLayerPoint(l.at)); });
    }

    function setContext(fc) {
      if (contextLayer) map.removeLayer(contextLayer);
      labels.forEach(function (l) { L.DomUtil.remove(l.el); });
      contextLayer = null; labels = [];
      var feats = (fc && fc.features) || [];
      if (feats.length) {
        contextLayer = L.geoJSON(fc, {
          renderer: L.canvas({ pane: "sitmapContext", padding: 0.3 }), interactive: false,
          style: function () { return { color: DISTRICT, weight: 1, opacity: 0.7, fill: false }; },
        }).addTo(map);
      }
      feats.forEach(function (f) {
        var p = f.properties || {}, name = p.name || p.name_eng;
        var at = f.geometry && labelPoint(f.geometry);
        if (!name || !at || !isFinite(at[0]) || !isFinite(at[1])) return;
        var el = L.DomUtil.create("div", "sitmap-context-label", labelPane);
        el.textContent = String(name);
        labels.push({ el: el, at: L.latLng(at[0], at[1]) });
      });
      st.context = feats.length;
      placeLabels();
    }
    map.on("zoomend viewreset", placeLabels);

    // A push from Python wins over the initial load still in flight.
    var pushed = { tiles: 0, context: 0 };
    S.basemap = {
      setTileLayers: function (list) { pushed.tiles++; setTileLayers(list); },
      setContext: function (fc) { pushed.context++; setContext(fc); },
      refresh: refreshStatus, state: st,
    };
    refreshStatus();
    // What the app had open when the page loaded (tile layers, district context), as
    // data from the app scheme; later changes come through setTileLayers / setContext.
    function reload() {
      var get = function (url) { return fetch(url).then(function (r) { return r.ok ? r.json() : null; }); };
      var before = { tiles: pushed.tiles, context: pushed.context };
      return Promise.all([get("/tiles/layers.json"), get("/basemap/context.json")]).then(function (got) {
        if (got[0] && before.tiles === pushed.tiles) setTileLayers(got[0]);
        if (got[1] && before.context === pushed.context) setContext(got[1]);
      }).catch(function (e) { S.log("warning", "basemap: " + (e && e.message || e)); });
    }
    S.basemap.reload = reload;
    reload();
    return S.basemap;
  }

  window.SitmapBasemap = { create: create };
})();

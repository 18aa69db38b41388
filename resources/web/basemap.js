/* Sitmap basemap: the built-in outline map, raster tile layers, district context.
 *
 * Under everything: sea colour, Natural Earth land, coastlines and borders from
 * /basemap/land.json (shipped with the app), so the map shows where things are with
 * no network and no tile pack. Above it: the tile layers Python names (packs and the
 * optional online layer), all served from this app at /tiles/<id>/{z}/{x}/{y}. Above
 * those: district outlines with their names.
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
        var layer = L.tileLayer(item.url, opts);
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
        st.layers.push({ id: id, name: String(item.name || id), online: !!item.online });
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

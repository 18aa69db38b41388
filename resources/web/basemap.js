/* Sitmap basemap: the built-in outline map, raster tile layers, district context.
 *
 * Under everything: sea colour, Natural Earth land, coastlines and borders from
 * /basemap/land.json (shipped with the app), so the map shows where things are with
 * no network and no tile pack. Above it: the tile layers Python names (packs and the
 * optional online layer), all served from this app at /tiles/<id>/{z}/{x}/{y}: raster
 * tiles as images, vector tiles (OpenMapTiles or Protomaps schema) drawn by the vendored
 * protomaps-leaflet with the quiet style below, so Sitmap's markers stay the loudest
 * thing on the map. Above those: the built-in districts (KOSTAT 2018 시도, 시군구, 읍면동 by
 * zoom), then district outlines from a boundary file the user opened, with their names.
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

  // -- built-in districts (KOSTAT 2018): the default offline context ---------------------
  // Three levels served as data by the app (/basemap/districts/<level>.json, built from the
  // shipped boundary files): 시도 outlines and names at low zoom, 시군구 from city zoom, 읍면동
  // from street zoom. One canvas under the posts, redrawn only when the view moves or zooms
  // (never on a time-slider step); only the units in view are drawn, names with fillText, the
  // largest first, none overlapping and none on a unit too small on screen for its name.
  var DISTRICT_LEVELS = [{ id: "sido", from: 0 }, { id: "sigungu", from: 10 }, { id: "emd", from: 13 }];
  var DISTRICT_STYLE = {  // [colour, width as the finest level, width under a finer level]
    sido: ["#6d5f80", 1.6, 2.2], sigungu: ["#5b5b66", 1.1, 1.8], emd: ["#8a8a94", 0.8, 0.8],
  };
  var DISTRICT_FONT = { sido: "600 14px 'Sitmap Sans', sans-serif", sigungu: "600 13px 'Sitmap Sans', sans-serif",
                        emd: "12px 'Sitmap Sans', sans-serif" };
  var MAX_LABEL_LIST = 400;

  function districtLevelAt(z) {
    var at = 0;
    for (var i = 0; i < DISTRICT_LEVELS.length; i++) if (z >= DISTRICT_LEVELS[i].from) at = i;
    return at;
  }

  /** The served JSON → features with rings in Web Mercator units (0..1), computed once. */
  function decodeDistricts(doc) {
    var feats = [];
    (doc && doc.features || []).forEach(function (f) {
      if (!f || !f.g || !f.b || !f.p) return;
      var rings = f.g.map(function (flat) {
        var n = flat.length >> 1, xy = new Float64Array(n * 2);
        for (var i = 0; i < n; i++) {
          xy[2 * i] = mercX(flat[2 * i] * 1e-5, 1);
          xy[2 * i + 1] = mercY(flat[2 * i + 1] * 1e-5, 1);
        }
        return xy;
      });
      feats.push({ code: String(f.c), name: String(f.n || f.e || ""), rings: rings, area: +f.a || 0,
                   w: +f.b[0], s: +f.b[1], e: +f.b[2], n: +f.b[3],
                   lx: mercX(+f.p[1], 1), ly: mercY(+f.p[0], 1) });
    });
    feats.sort(function (a, b) { return b.area - a.area; });  // label priority: the largest first
    return { feats: feats, attribution: String(doc && doc.attribution || "") };
  }

  function mercX(lon, scale) { return (lon + 180) / 360 * scale; }
  function mercY(lat, scale) {
    var s = Math.sin(lat * Math.PI / 180);
    s = Math.min(Math.max(s, -0.9999), 0.9999);
    return (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale;
  }

  var DistrictLayer = L.Layer.extend({
    initialize: function (S, st) {
      this._S = S; this._st = st; this._data = {}; this._loading = {}; this._attribution = "";
    },
    getAttribution: function () { return this._attribution; },
    onAdd: function (map) {
      this._map = map;
      var pane = map.getPane("sitmapDistricts") || map.createPane("sitmapDistricts");
      pane.style.zIndex = 340;  // over the basemap and tiles, under file districts (350) and posts (450)
      pane.style.pointerEvents = "none";
      this._canvas = L.DomUtil.create("canvas", "sitmap-districts-canvas", pane);
      map.on("moveend zoomend resize viewreset", this.redraw, this);
      map.on("zoomstart", this._hide, this);
      var self = this;
      if (document.fonts && document.fonts.load) {  // names in the page's Hangul font, once it is there
        document.fonts.load(DISTRICT_FONT.sigungu, "종로구").then(function () { self.redraw(); }, function () {});
      }
      this.redraw();
    },
    onRemove: function (map) {
      map.off("moveend zoomend resize viewreset", this.redraw, this);
      map.off("zoomstart", this._hide, this);
      L.DomUtil.remove(this._canvas);
      this._st.level = ""; this._st.outlines = 0; this._st.labels = []; this._st.parentLabels = []; this._st.labelCount = 0;
    },
    _hide: function () { if (this._canvas) this._canvas.style.visibility = "hidden"; },
    _load: function (id) {
      if (this._data[id] || this._loading[id]) return;
      this._loading[id] = true;
      var self = this, st = this._st;
      fetch("/basemap/districts/" + id + ".json").then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      }).then(function (doc) {
        var d = decodeDistricts(doc);
        self._data[id] = d;
        st.loaded[id] = d.feats.length;
        if (d.attribution && !self._attribution) {
          self._attribution = esc(d.attribution);  // Leaflet writes attributions as HTML
          if (self._map && self._map.attributionControl) self._map.attributionControl.addAttribution(self._attribution);
        }
        if (self._map) self.redraw();
      }).catch(function (e) {
        st.failed = String(e && e.message || e);
        self._S.log("error", "built-in districts " + id + ": " + st.failed);
      }).then(function () { self._loading[id] = false; });
    },
    /** A campaign's counts per district (the "choropleth" message: data only, validated in
     *  Python): each counted unit of that level filled by its share of the largest count. */
    setChoropleth: function (level, counts) {
      var ch = this._st.choropleth;
      ch.level = level || ""; ch.counts = counts || {}; ch.max = 0; ch.filled = 0;
      for (var k in ch.counts) if (Object.prototype.hasOwnProperty.call(ch.counts, k)) ch.max = Math.max(ch.max, ch.counts[k]);
      if (ch.level) this._load(ch.level);
      this.redraw();
    },
    _fillChoropleth: function (ctx, scale, o, nw, se) {
      var ch = this._st.choropleth, d = ch.level && this._data[ch.level];
      ch.filled = 0;
      if (!d || !ch.max) return;
      ctx.save();
      for (var fi = 0; fi < d.feats.length; fi++) {
        var f = d.feats[fi], n = ch.counts[f.code];
        if (!n || f.e < nw.lng || f.w > se.lng || f.n < se.lat || f.s > nw.lat) continue;
        var t = Math.sqrt(n / ch.max);  // square root: a few busy districts do not wash out the rest
        ctx.fillStyle = "rgb(" + Math.round(222 - 190 * t) + "," + Math.round(235 - 150 * t) + "," +
                        Math.round(247 - 70 * t) + ")";
        ctx.globalAlpha = 0.75;
        ctx.beginPath();
        for (var ri = 0; ri < f.rings.length; ri++) {
          var xy = f.rings[ri];
          ctx.moveTo(xy[0] * scale - o.x, xy[1] * scale - o.y);
          for (var p = 2; p < xy.length; p += 2) ctx.lineTo(xy[p] * scale - o.x, xy[p + 1] * scale - o.y);
          ctx.closePath();
        }
        ctx.fill("evenodd");
        ch.filled++;
      }
      ctx.restore();
    },
    /** At street zoom the 시군구 named where it is seen: at the area-weighted mean of the
     *  label points of its 읍면동 in view (a 읍면동 code starts with its 시군구's). */
    _visibleParents: function (emd, scale, o, pad, size) {
        var sgg = this._data.sigungu, acc = {}, out = [];
        if (!sgg) return out;
        if (!sgg.byCode) { sgg.byCode = {}; sgg.feats.forEach(function (f) { sgg.byCode[f.code] = f; }); }
        emd.forEach(function (f) {
          var x = f.lx * scale - o.x, y = f.ly * scale - o.y;
          if (x < pad || y < pad || x > pad + size.x || y > pad + size.y) return;
          var k = f.code.slice(0, 5), a = acc[k] || (acc[k] = { x: 0, y: 0, w: 0 }), w = Math.max(f.area, 0.01);
          a.x += f.lx * w; a.y += f.ly * w; a.w += w;
        });
        Object.keys(acc).forEach(function (k) {
          var p = sgg.byCode[k], a = acc[k];
          if (p) out.push({ name: p.name, lx: a.x / a.w, ly: a.y / a.w, w: p.w, e: p.e, area: a.w });
        });
        return out.sort(function (a, b) { return b.area - a.area; });
    },
    redraw: function () {
      var map = this._map;
      if (!map || !this._canvas) return;
      var st = this._st, z = map.getZoom(), finest = districtLevelAt(z), t0 = performance.now();
      for (var k = 0; k <= finest; k++) this._load(DISTRICT_LEVELS[k].id);
      var size = map.getSize(), pad = Math.round(Math.max(size.x, size.y) * 0.25), dpr = window.devicePixelRatio || 1;
      var W = size.x + 2 * pad, H = size.y + 2 * pad, c = this._canvas;
      if (c.width !== W * dpr || c.height !== H * dpr) {
        c.width = W * dpr; c.height = H * dpr; c.style.width = W + "px"; c.style.height = H + "px";
      }
      L.DomUtil.setPosition(c, map.containerPointToLayerPoint([-pad, -pad]));
      c.style.visibility = "visible";
      var ctx = c.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, W, H);
      var scale = 256 * Math.pow(2, z);
      var o = map.project(map.containerPointToLatLng([-pad, -pad]), z);
      var nw = map.containerPointToLatLng([-pad, -pad]), se = map.containerPointToLatLng([size.x + pad, size.y + pad]);
      var thin = st.thin, outlines = 0, labels = [];
      ctx.lineJoin = "round"; ctx.lineCap = "round";
      this._fillChoropleth(ctx, scale, o, nw, se);
      ctx.globalAlpha = thin ? 0.55 : 0.85;
      var inView = {};
      for (var li = 0; li <= finest; li++) {
        var id = DISTRICT_LEVELS[li].id, d = this._data[id];
        if (!d) continue;
        var sty = DISTRICT_STYLE[id], width = (li === finest ? sty[1] : sty[2]) * (thin ? 0.7 : 1);
        var vis = inView[id] = [];
        ctx.strokeStyle = sty[0]; ctx.lineWidth = width;
        ctx.setLineDash(id === "emd" ? [4, 3] : []);
        ctx.beginPath();
        for (var fi = 0; fi < d.feats.length; fi++) {
          var f = d.feats[fi];
          if (f.e < nw.lng || f.w > se.lng || f.n < se.lat || f.s > nw.lat) continue;
          vis.push(f);
          for (var ri = 0; ri < f.rings.length; ri++) {
            var xy = f.rings[ri];
            ctx.moveTo(xy[0] * scale - o.x, xy[1] * scale - o.y);
            for (var p = 2; p < xy.length; p += 2) ctx.lineTo(xy[p] * scale - o.x, xy[p + 1] * scale - o.y);
            ctx.closePath();
          }
        }
        ctx.stroke();
        outlines += vis.length;
      }
      ctx.setLineDash([]);
      // Names, in the visible part only: at street zoom the 시군구 first (larger, in the
      // outline colour, so a 동 is read inside its 구), then the finest level drawn.
      var fid = DISTRICT_LEVELS[finest].id, placed = [], parentLabels = [];
      ctx.globalAlpha = thin ? 0.8 : 1;
      ctx.textAlign = "center"; ctx.textBaseline = "middle"; ctx.strokeStyle = "#ffffff";
      var passes = [];
      if (fid === "emd") passes.push({ id: "sigungu", font: "700 16px 'Sitmap Sans', sans-serif", fill: "#4b3f5c", lh: 18,
                                       halo: 4, fit: 0, out: parentLabels });
      passes.push({ id: fid, font: DISTRICT_FONT[fid], fill: fid === "emd" ? "#52525b" : "#3f3f46",
                    lh: fid === "sido" ? 16 : 15, halo: 3, fit: 0.9, out: labels });
      for (var pi = 0; pi < passes.length; pi++) {
        var ps = passes[pi], fv = ps.id === "sigungu" && fid === "emd" ? this._visibleParents(inView.emd || [], scale, o, pad, size)
                                                                    : inView[ps.id] || [];
        ctx.font = ps.font; ctx.fillStyle = ps.fill; ctx.lineWidth = ps.halo;
        for (var j = 0; j < fv.length; j++) {
          var g = fv[j], x = g.lx * scale - o.x, y = g.ly * scale - o.y;
          var wpx = (g.e - g.w) / 360 * scale, tw = ctx.measureText(g.name).width;
          if (wpx < tw * ps.fit) continue;  // the unit is smaller on screen than its name
          var lh = ps.lh, box = [x - tw / 2 - 3, y - lh / 2 - 2, x + tw / 2 + 3, y + lh / 2 + 2], clash = false;
          if (box[0] < pad || box[1] < pad || box[2] > pad + size.x || box[3] > pad + size.y - 18) continue;  // whole, clear of the attribution
          for (var q = 0; q < placed.length && !clash; q++) {
            var b = placed[q];
            clash = box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1];
          }
          if (clash) continue;
          placed.push(box);
          ctx.strokeText(g.name, x, y);
          ctx.fillText(g.name, x, y);
          if (ps.out.length < MAX_LABEL_LIST) ps.out.push(g.name);
        }
      }
      ctx.globalAlpha = 1;
      st.level = this._data[fid] ? fid : "";
      st.outlines = outlines; st.labels = labels; st.labelCount = labels.length; st.parentLabels = parentLabels;
      st.redraws++;
      st.ms = Math.round((performance.now() - t0) * 10) / 10;
    },
  });

  function create(map, S) {
    if (S.basemap) return S.basemap;
    var st = (S.state.basemap = {
      outline: "loading", outlineFeatures: 0, layers: [], tilesLoaded: 0, tilesFailed: 0, tilesMissing: 0,
      context: 0, contextLabels: 0, showing: "",
      districts: { show: true, thin: false, level: "", outlines: 0, labels: [], parentLabels: [], labelCount: 0, redraws: 0,
                   choropleth: { level: "", counts: {}, max: 0, filled: 0 },
                   ms: 0, loaded: {},
                   failed: "" },
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
      updateThin();
    }

    // -- district context ---------------------------------------------------------------
    function placeLabels() {
      var show = map.getZoom() >= LABEL_ZOOM;
      labelPane.style.display = show ? "" : "none";
      st.contextLabels = show ? labels.length : 0;
      if (!show) return;
      labels.forEach(function (l) { L.DomUtil.setPosition(l.el, map.latLngToLayerPoint(l.at)); });
    }

    // A campaign's counts over the loaded boundary layer (the "choropleth" message with
    // level "loaded": feature rows -> counts, checked in Python and again in sitmap.js).
    var contextCounts = {}, contextMax = 0;
    function contextStyle(f) {
      var n = contextCounts[(f.properties || {}).k];
      if (!n || !contextMax) return { color: DISTRICT, weight: 1, opacity: 0.7, fill: false };
      var t = Math.sqrt(n / contextMax);  // as the built-in districts' fill
      return { color: DISTRICT, weight: 1, opacity: 0.7, fill: true, fillOpacity: 0.75,
               fillColor: "rgb(" + Math.round(222 - 190 * t) + "," + Math.round(235 - 150 * t) + "," +
                          Math.round(247 - 70 * t) + ")" };
    }
    function setContextChoropleth(counts) {
      contextCounts = counts || {}; contextMax = 0;
      var filled = 0;
      for (var k in contextCounts) if (Object.prototype.hasOwnProperty.call(contextCounts, k)) {
        contextMax = Math.max(contextMax, contextCounts[k]);
      }
      if (contextLayer) {
        contextLayer.setStyle(contextStyle);
        contextLayer.eachLayer(function (l) { if (contextCounts[(l.feature.properties || {}).k]) filled++; });
      }
      st.contextChoropleth = { max: contextMax, filled: filled };
    }
    st.contextChoropleth = { max: 0, filled: 0 };

    function setContext(fc) {
      if (contextLayer) map.removeLayer(contextLayer);
      labels.forEach(function (l) { L.DomUtil.remove(l.el); });
      contextLayer = null; labels = [];
      var feats = (fc && fc.features) || [];
      if (feats.length) {
        contextLayer = L.geoJSON(fc, {
          renderer: L.canvas({ pane: "sitmapContext", padding: 0.3 }), interactive: false,
          style: contextStyle,
        }).addTo(map);
      }
      setContextChoropleth(contextCounts);
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

    // -- built-in districts ----------------------------------------------------------------
    var districtLayer = new DistrictLayer(S, st.districts);
    districtLayer.addTo(map);
    function setBuiltinDistricts(opts) {
      var ds = st.districts, show = !(opts && opts.show === false);
      ds.show = show;
      if (show && !map.hasLayer(districtLayer)) districtLayer.addTo(map);
      if (!show && map.hasLayer(districtLayer)) map.removeLayer(districtLayer);
    }
    function updateThin() {  // over a tile pack the outlines step back
      var thin = st.layers.length > 0;
      if (thin !== st.districts.thin) { st.districts.thin = thin; districtLayer.redraw(); }
    }

    // A push from Python wins over the initial load still in flight.
    var pushed = { tiles: 0, context: 0 };
    S.basemap = {
      setTileLayers: function (list) { pushed.tiles++; setTileLayers(list); },
      setBuiltinDistricts: setBuiltinDistricts,
      setChoropleth: function (level, counts) {
        if (level === "loaded") {  // the loaded boundary layer's features; the built-in ones clear
          districtLayer.setChoropleth("", {});
          setContextChoropleth(counts);
          return;
        }
        setContextChoropleth({});
        if (level && !map.hasLayer(districtLayer)) districtLayer.addTo(map);
        districtLayer.setChoropleth(level, counts);
      },
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

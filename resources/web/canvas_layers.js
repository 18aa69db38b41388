/* Map layers drawn from packed arrays: items (points, density cells, heat), units, areas.
 *
 * Items are drawn on one canvas instead of one DOM/SVG marker each, so the cost is the
 * number of points Python chose to send (bounded by the screen), not the data size.
 */
(function () {
  "use strict";

  var POST = "#2563eb", FIELD = "#ea580c", SELECT = "#facc15", CELL = "rgba(37,99,235,0.55)";
  var HIT_PX = 9;
  // Triage codes (desktop/core/triage.py: positions in STATES) and their marker colours.
  var T_VERIFIED = 2, T_FALSE = 3, T_DUPLICATE = 4;
  var POST_VERIFIED = "#1e3a8a", FIELD_VERIFIED = "#9a3412", VERIFIED_RING = "#15803d";
  var URGENT = "#f97316", CRITICAL = "#dc2626";
  // Precision codes (desktop/core/model.py PRECISION_CODES): a place the source gave, a position inferred from text.
  var P_PLACE = 1, P_INFERRED = 2, INFERRED = "#7c3aed";

  function mercX(lon, scale) { return (lon + 180) / 360 * scale; }
  function mercY(lat, scale) {
    var s = Math.sin(lat * Math.PI / 180);
    s = Math.min(Math.max(s, -0.9999), 0.9999);
    return (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale;
  }

  var CanvasLayer = L.Layer.extend({
    onAdd: function (map) {
      this._map = map;
      var pane = map.getPane("sitmapItems") || map.createPane("sitmapItems");
      pane.style.zIndex = 450;
      pane.style.pointerEvents = "none";
      this._canvas = L.DomUtil.create("canvas", "sitmap-canvas", pane);
      map.on("moveend zoomend resize viewreset", this._redraw, this);
      map.on("zoomstart", this._hide, this);
      this._redraw();
    },
    onRemove: function (map) {
      map.off("moveend zoomend resize viewreset", this._redraw, this);
      map.off("zoomstart", this._hide, this);
      L.DomUtil.remove(this._canvas);
    },
    _hide: function () { this._canvas.style.visibility = "hidden"; },
    _prepare: function () {
      var map = this._map, size = map.getSize(), dpr = window.devicePixelRatio || 1;
      var c = this._canvas;
      c.width = size.x * dpr; c.height = size.y * dpr;
      c.style.width = size.x + "px"; c.style.height = size.y + "px";
      L.DomUtil.setPosition(c, map.containerPointToLayerPoint([0, 0]));
      c.style.visibility = "visible";
      var ctx = c.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, size.x, size.y);
      var scale = 256 * Math.pow(2, map.getZoom());
      var origin = map.project(map.containerPointToLatLng([0, 0]), map.getZoom());
      return { ctx: ctx, size: size, scale: scale, ox: origin.x, oy: origin.y };
    },
  });

  // Heat colours, cool to hot: blue, light blue, pale yellow, orange, red (256 steps, RGB).
  var HEAT_STOPS = [[0, 44, 123, 182], [0.35, 116, 173, 209], [0.55, 255, 255, 191], [0.78, 253, 174, 97],
                    [1, 215, 25, 28]];
  var _heatLut = null;
  function heatRamp() {
    if (_heatLut) return _heatLut;
    _heatLut = new Uint8Array(256 * 3);
    for (var k = 0; k < 256; k++) {
      var v = k / 255, j = 1;
      while (j < HEAT_STOPS.length - 1 && v > HEAT_STOPS[j][0]) j++;
      var a = HEAT_STOPS[j - 1], b = HEAT_STOPS[j], t = (v - a[0]) / (b[0] - a[0]);
      for (var c = 1; c <= 3; c++) _heatLut[k * 3 + c - 1] = Math.round(a[c] + (b[c] - a[c]) * Math.max(0, Math.min(1, t)));
    }
    return _heatLut;
  }

  var ItemsLayer = CanvasLayer.extend({
    initialize: function (S) {
      this._S = S; this._data = null; this._heat = false; this._selected = null;
      this._sx = new Float32Array(0); this._sy = new Float32Array(0);
    },
    setData: function (m) {
      var S = this._S;
      var d = { mode: m.mode, total: m.total || 0, gen: m.gen };
      if (m.mode === "points") {
        d.ids = S.unpack(m.ids, Float64Array);
        d.lat = S.unpack(m.lat, Float32Array);
        d.lon = S.unpack(m.lon, Float32Array);
        d.kind = S.unpack(m.kind, Uint8Array);
        d.prec = S.unpack(m.prec, Uint8Array);
        d.radius = S.unpack(m.radius, Float32Array);
        // Location confidence, optional (1 exact, 0.5 a place, the geoparser's value for inferred; NaN none).
        d.conf = m.conf ? S.unpack(m.conf, Float32Array) : null;
        if (d.conf && d.conf.length !== d.ids.length) d.conf = null;
        // Triage, optional: state (0 new … 6 closed) and priority (0 routine, 1 urgent, 2 critical).
        d.state = m.state ? S.unpack(m.state, Uint8Array) : null;
        d.prio = m.prio ? S.unpack(m.prio, Uint8Array) : null;
        if (d.state && d.state.length !== d.ids.length) d.state = null;
        if (d.prio && d.prio.length !== d.ids.length) d.prio = null;
      } else if (m.mode === "density") {
        d.lat = S.unpack(m.cells.lat, Float32Array);
        d.lon = S.unpack(m.cells.lon, Float32Array);
        d.count = S.unpack(m.cells.count, Uint32Array);
        d.field = S.unpack(m.cells.field, Uint32Array);
        d.cellDeg = m.cell_deg;
      }
      this._data = d;
      var st = S.state;
      st.gen = m.gen; st.mode = m.mode; st.total = d.total;
      st.points = m.mode === "points" ? d.ids.length : 0;
      st.cells = m.mode === "density" ? d.count.length : 0;
      var ct = 0;
      if (m.mode === "density") for (var i = 0; i < d.count.length; i++) ct += d.count[i];
      st.cellTotal = ct;
      if ("selected" in m) this._selected = m.selected;
      var t0 = performance.now();
      this._redraw();
      S.reportDrawn({ ms: performance.now() - t0 });
    },
    setHeat: function (on) { this._heat = on; this._S.state.heat = on; this._redraw(); },
    select: function (m) {
      this._selected = m.id;
      this._S.state.selected = m.id;
      if (m.id != null && m.lat != null && m.pan) {
        var ll = L.latLng(m.lat, m.lon);
        if (!this._map.getBounds().pad(-0.1).contains(ll)) this._map.panTo(ll, { animate: false });
      }
      this._redraw();
    },
    _redraw: function () {
      if (!this._map) return;
      var p = this._prepare(), d = this._data;
      if (!d) return;
      if (this._heat) this._drawHeat(p, d);
      else if (d.mode === "points") this._drawPoints(p, d);
      else if (d.mode === "density") this._drawCells(p, d);
    },
    _drawPoints: function (p, d) {
      var ctx = p.ctx, n = d.ids.length, i;
      var sx = (this._sx = new Float32Array(n)), sy = (this._sy = new Float32Array(n));
      for (i = 0; i < n; i++) {
        sx[i] = mercX(d.lon[i], p.scale) - p.ox;
        sy[i] = mercY(d.lat[i], p.scale) - p.oy;
      }
      var mPerPx = 40075016.686 * Math.cos(this._map.getCenter().lat * Math.PI / 180) / p.scale;
      // Place-only and inferred posts: a faint circle of their uncertainty (dashed and violet
      // for a position inferred from text), so a district is not read as a pin. Hundreds of
      // overlapping circles would paint the map solid, so only a few are drawn (or just the
      // selected one's).
      var places = 0, circles = 0, nInferred = 0, nPlace = 0;
      for (i = 0; i < n; i++) if ((d.prec[i] === P_PLACE || d.prec[i] === P_INFERRED) && d.radius[i] > 0) places++;
      ctx.lineWidth = 1;
      for (i = 0; i < n; i++) {
        var pc = d.prec[i];
        if ((pc === P_PLACE || pc === P_INFERRED) && d.radius[i] > 0 && (places <= 12 || d.ids[i] === this._selected)) {
          var r = d.radius[i] / mPerPx;
          if (r > 4 && r < 4000) {
            ctx.beginPath(); ctx.arc(sx[i], sy[i], r, 0, 2 * Math.PI);
            if (pc === P_INFERRED) {
              ctx.setLineDash([6, 4]);
              ctx.fillStyle = "rgba(124,58,237,0.05)"; ctx.fill();
              ctx.strokeStyle = "rgba(124,58,237,0.55)"; ctx.lineWidth = 1.5; ctx.stroke();
              ctx.setLineDash([]); ctx.lineWidth = 1;
            } else {
              ctx.fillStyle = "rgba(37,99,235,0.04)"; ctx.fill();
              ctx.strokeStyle = "rgba(37,99,235,0.25)"; ctx.stroke();
            }
            circles++;
          }
        }
      }
      // What triage made of the points drawn: the page test reads these counts.
      var styled = { verified: 0, "false": 0, duplicate: 0, urgent: 0, critical: 0 };
      var st = d.state, pr = d.prio;
      for (i = 0; i < n; i++) {
        var x = sx[i], y = sy[i];
        if (x < -10 || y < -10 || x > p.size.x + 10 || y > p.size.y + 10) continue;
        var s = st ? st[i] : 0, q = pr ? pr[i] : 0;
        var verified = s === T_VERIFIED, faded = s === T_FALSE || s === T_DUPLICATE;
        ctx.globalAlpha = s === T_FALSE ? 0.35 : (s === T_DUPLICATE ? 0.45 : 1);
        if (d.kind[i] === 1) {            // field update: orange diamond
          ctx.beginPath();
          ctx.moveTo(x, y - 6); ctx.lineTo(x + 6, y); ctx.lineTo(x, y + 6); ctx.lineTo(x - 6, y); ctx.closePath();
          ctx.fillStyle = verified ? FIELD_VERIFIED : FIELD; ctx.fill();
          ctx.strokeStyle = "#7c2d12"; ctx.lineWidth = 1; ctx.stroke();
        } else if (d.prec[i] === 0 || verified) {  // exact (or verified) post: filled circle
          ctx.beginPath(); ctx.arc(x, y, 4.5, 0, 2 * Math.PI);
          ctx.fillStyle = verified ? POST_VERIFIED : (s === T_FALSE ? "#6b7280" : POST); ctx.fill();
          ctx.strokeStyle = "#fff"; ctx.lineWidth = 1; ctx.stroke();
        } else if (d.prec[i] === P_INFERRED) {  // inferred from text: hollow, dashed, violet; fainter when less sure
          var cf = d.conf ? d.conf[i] : NaN;
          if (s !== T_FALSE && s !== T_DUPLICATE) ctx.globalAlpha = cf === cf ? 0.45 + 0.55 * Math.max(0, Math.min(1, cf)) : 0.6;
          ctx.beginPath(); ctx.arc(x, y, 5, 0, 2 * Math.PI);
          ctx.fillStyle = "rgba(255,255,255,0.85)"; ctx.fill();
          ctx.setLineDash([2.5, 2]);
          ctx.strokeStyle = s === T_FALSE ? "#6b7280" : INFERRED; ctx.lineWidth = 2; ctx.stroke();
          ctx.setLineDash([]);
          nInferred++;
        } else {                          // place-only post: hollow circle
          ctx.beginPath(); ctx.arc(x, y, 4.5, 0, 2 * Math.PI);
          ctx.fillStyle = "#fff"; ctx.fill();
          ctx.strokeStyle = s === T_FALSE ? "#6b7280" : POST; ctx.lineWidth = 2; ctx.stroke();
          if (d.prec[i] === P_PLACE) nPlace++;
        }
        if (s === T_FALSE) {              // false: struck through
          ctx.beginPath(); ctx.moveTo(x - 7, y + 7); ctx.lineTo(x + 7, y - 7);
          ctx.strokeStyle = "#374151"; ctx.lineWidth = 2; ctx.stroke();
          styled["false"]++;
        } else if (s === T_DUPLICATE) styled.duplicate++;
        ctx.globalAlpha = 1;
        if (verified) {                   // verified: a green ring
          ctx.beginPath(); ctx.arc(x, y, 7.5, 0, 2 * Math.PI);
          ctx.strokeStyle = VERIFIED_RING; ctx.lineWidth = 2; ctx.stroke();
          styled.verified++;
        }
        if (q > 0 && !faded) {            // urgent: orange ring; critical: red, thicker
          ctx.beginPath(); ctx.arc(x, y, verified ? 10.5 : 8.5, 0, 2 * Math.PI);
          ctx.strokeStyle = q === 2 ? CRITICAL : URGENT; ctx.lineWidth = q === 2 ? 3 : 2.5; ctx.stroke();
          if (q === 2) styled.critical++; else styled.urgent++;
        }
      }
      this._S.state.triage = styled;
      // What uncertainty was drawn: markers of inferred and place posts, and circles (the page test reads these).
      this._S.state.uncertain = { inferred: nInferred, place: nPlace, circles: circles };
      if (this._selected != null) {
        for (i = 0; i < n; i++) {
          if (d.ids[i] === this._selected) {
            ctx.beginPath(); ctx.arc(sx[i], sy[i], 11, 0, 2 * Math.PI);
            ctx.strokeStyle = SELECT; ctx.lineWidth = 4; ctx.stroke();
            ctx.strokeStyle = "#111"; ctx.lineWidth = 1; ctx.stroke();
            break;
          }
        }
      }
    },
    _drawCells: function (p, d) {
      var ctx = p.ctx, n = d.count.length, max = 1, i, k;
      for (i = 0; i < n; i++) if (d.count[i] > max) max = d.count[i];
      ctx.font = "600 11px 'Sitmap Sans', sans-serif";
      ctx.textAlign = "center"; ctx.textBaseline = "middle";
      // Biggest first, so a small cell beside a crowd stays visible on top of it; then the
      // counts, biggest first, each only where no bigger count's text already is, so the
      // crowd's number is never cut by a neighbour's "1".
      var order = new Array(n);
      for (i = 0; i < n; i++) order[i] = i;
      order.sort(function (a, b) { return d.count[b] - d.count[a]; });
      var xs = new Float32Array(n), ys = new Float32Array(n), rs = new Float32Array(n);
      for (k = 0; k < n; k++) {
        i = order[k];
        var x = (xs[i] = mercX(d.lon[i], p.scale) - p.ox), y = (ys[i] = mercY(d.lat[i], p.scale) - p.oy);
        var c = d.count[i];
        var r = (rs[i] = 9 + 17 * Math.sqrt(c / max));
        var fieldShare = d.field.length ? d.field[i] / c : 0;
        ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI);
        ctx.fillStyle = CELL; ctx.fill();
        if (fieldShare > 0) {             // orange arc: the share of field updates
          ctx.beginPath(); ctx.arc(x, y, r - 1.5, -Math.PI / 2, -Math.PI / 2 + 2 * Math.PI * fieldShare);
          ctx.strokeStyle = FIELD; ctx.lineWidth = 3; ctx.stroke();
        }
      }
      var placed = [], labelled = 0;
      ctx.fillStyle = "#fff";
      for (k = 0; k < n; k++) {
        i = order[k];
        var t = d.count[i] >= 10000 ? Math.round(d.count[i] / 1000) + "k" : String(d.count[i]);
        var hw = ctx.measureText(t).width / 2 + 1, box = [xs[i] - hw, ys[i] - 7, xs[i] + hw, ys[i] + 7], clash = false;
        for (var q = 0; q < placed.length && !clash; q++) {
          var o = placed[q];
          clash = box[0] < o[2] && box[2] > o[0] && box[1] < o[3] && box[3] > o[1];
        }
        if (clash) continue;
        placed.push(box); labelled++;
        ctx.fillText(t, xs[i], ys[i]);
      }
      this._S.state.cellLabels = labelled;
    },
    _drawHeat: function (p, d) {
      var w = p.size.x, h = p.size.y, n, i, xs = [], ys = [], ws = [];
      if (d.mode === "points") {
        n = d.ids.length;
        for (i = 0; i < n; i++) { xs.push(mercX(d.lon[i], p.scale) - p.ox); ys.push(mercY(d.lat[i], p.scale) - p.oy); ws.push(1); }
      } else if (d.mode === "density") {
        n = d.count.length;
        for (i = 0; i < n; i++) { xs.push(mercX(d.lon[i], p.scale) - p.ox); ys.push(mercY(d.lat[i], p.scale) - p.oy); ws.push(d.count[i]); }
      }
      var max = 1;
      for (i = 0; i < ws.length; i++) if (ws[i] > max) max = ws[i];
      var off = document.createElement("canvas");
      off.width = w; off.height = h;
      var o = off.getContext("2d");
      var radius = d.mode === "density" ? 28 : 18;
      // Intensity on a log scale: a crowd of 5,000 must not turn a street of 50 into haze.
      var lmax = Math.log(1 + max);
      for (i = 0; i < xs.length; i++) {
        var g = o.createRadialGradient(xs[i], ys[i], 0, xs[i], ys[i], radius);
        var a = Math.min(1, 0.35 + 0.65 * Math.log(1 + ws[i]) / lmax);
        g.addColorStop(0, "rgba(0,0,0," + a + ")");
        g.addColorStop(0.45, "rgba(0,0,0," + (a * 0.8) + ")");
        g.addColorStop(1, "rgba(0,0,0,0)");
        o.fillStyle = g;
        o.fillRect(xs[i] - radius, ys[i] - radius, 2 * radius, 2 * radius);
      }
      var img = o.getImageData(0, 0, w, h), px = img.data, lut = heatRamp();
      for (i = 0; i < px.length; i += 4) {
        var v = px[i + 3] / 255;
        if (v < 0.06) { px[i + 3] = 0; continue; }  // no haze at the edges
        var k = Math.min(255, Math.round(v * 255)) * 3;
        px[i] = lut[k]; px[i + 1] = lut[k + 1]; px[i + 2] = lut[k + 2];
        px[i + 3] = Math.round(Math.min(1, 0.35 + v * 1.2) * 215);
      }
      o.putImageData(img, 0, 0);
      p.ctx.drawImage(off, 0, 0, w, h);
    },
    /** The item under a container point, or null. */
    hit: function (pt) {
      var d = this._data;
      if (!d || d.mode !== "points" || this._heat) return null;
      var best = null, bestD = HIT_PX * HIT_PX;
      for (var i = 0; i < this._sx.length; i++) {
        var dx = this._sx[i] - pt.x, dy = this._sy[i] - pt.y, dd = dx * dx + dy * dy;
        if (dd <= bestD) { bestD = dd; best = d.ids[i]; }
      }
      return best;
    },
    /** The density cell under a point (for zooming into it), or null. */
    hitCell: function (pt, p) {
      var d = this._data;
      if (!d || d.mode !== "density") return null;
      var map = this._map;
      for (var i = 0; i < d.count.length; i++) {
        var cp = map.latLngToContainerPoint([d.lat[i], d.lon[i]]);
        if (Math.abs(cp.x - pt.x) < 18 && Math.abs(cp.y - pt.y) < 18) return L.latLng(d.lat[i], d.lon[i]);
      }
      return null;
    },
  });

  function teamColor(team) {
    var t = { cyan: "#06b6d4", blue: "#2563eb", red: "#dc2626", green: "#16a34a", yellow: "#ca8a04",
              orange: "#ea580c", purple: "#7c3aed", magenta: "#db2777", white: "#64748b", maroon: "#7f1d1d",
              "dark blue": "#1e3a8a", "dark green": "#14532d", teal: "#0f766e", brown: "#78350f" };
    return t[String(team || "").toLowerCase()] || "#0f766e";
  }

  var STALE = "#9ca3af";

  /* Units are updated in place, keyed by uid: a slider step moves each unit's marker
   * (setLatLng), touches its label, badge and course arrow only when they changed, and
   * gives its track line new points (setLatLngs) only when they differ from what it
   * shows; units that left the window lose their marker and line, new ones get theirs.
   * A reloaded page starts with no markers and so builds everything from the first
   * message. ``sitmap.debug.unitsFullRebuild`` forces the old way (every marker and line
   * thrown away and made again on each message), for the benchmark's before/after.
   *
   * ``track`` is either base64 of Int32 microdegrees [lat, lon, lat, lon, …] (as Python sends it:
   * cheap to encode, and an unchanged track is one string comparison) or an array of
   * [lat, lon] pairs. */
  function UnitsLayer(map, S) {
    this.map = map; this.S = S;
    this.group = L.layerGroup().addTo(map);
    // Track lines on one canvas: a slider step that changes every track repaints one
    // bitmap instead of re-laying out dozens of SVG paths.
    this.renderer = L.canvas({ padding: 0.3 });
    this.tracks = L.layerGroup().addTo(map);   // each unit's whole track, faint
    this.recent = L.layerGroup().addTo(map);   // its newest stretch, strong: age reads as fading
    this.byKey = new Map();  // unit key (uid) -> what is drawn for it; a Map, so no uid can hit a prototype
    this.far = false;
    map.on("moveend", this._flush, this);
    map.on("zoomend moveend", this._declutter, this);
  }

  // Below this zoom (a city and wider) units are small dots without labels or tracks, so
  // the density counts under them stay readable; an emergency keeps its label.
  var UNITS_FAR_ZOOM = 12;
  // Below this one (a province and wider) only emergencies are drawn: the counts are the picture.
  var UNITS_HIDDEN_ZOOM = 10;
  var LABEL_FONT = "700 12px 'Sitmap Sans', sans-serif";
  var _measure = null;
  function labelWidth(text) {
    if (!_measure) _measure = document.createElement("canvas").getContext("2d");
    _measure.font = LABEL_FONT;
    return Math.ceil(_measure.measureText(text).width) + 8;  // + the label's padding
  }
  function unitRank(e) { return (e.look.cls.indexOf("emergency") >= 0 ? 4 : 0) + (e.look.stale ? 0 : 2); }

  function unitLook(u) {
    return {
      color: u.stale ? STALE : teamColor(u.team),
      cls: "sitmap-unit" + (u.stale ? " stale" : "") + (u.emergency ? " emergency" : ""),
      course: typeof u.course === "number" && u.speed > 0.3 ? Math.round(u.course) : null,
      text: String(u.callsign || u.uid || ""),
      z: u.emergency ? 1000 : 500,
      stale: !!u.stale,
    };
  }

  function trackStyle(look) {
    return { color: look.color, weight: 1.5, opacity: look.stale ? 0.12 : 0.2, dashArray: look.stale ? "4 6" : null,
             interactive: false, smoothFactor: 1.5, renderer: look.renderer };
  }
  function recentStyle(look) {
    return { color: look.color, weight: 3, opacity: look.stale ? 0.4 : 0.8, dashArray: look.stale ? "4 6" : null,
             interactive: false, smoothFactor: 1.5, renderer: look.renderer };
  }
  /** The newest stretch of a track: its last third, at most 24 reports (at least two points). */
  function recentPart(lls) { return lls.slice(-Math.max(2, Math.min(24, Math.ceil(lls.length / 3)))); }

  function sameTrack(a, b) {
    if (a === b) return true;
    if (typeof a === "string" || typeof b === "string" || !Array.isArray(a) || !Array.isArray(b)) return false;
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) {
      var p = a[i], q = b[i];
      if (p === q) continue;
      if (!p || !q || p[0] !== q[0] || p[1] !== q[1]) return false;
    }
    return true;
  }

  /** {lls, bounds} of a track: bounds only for packed ones (the only ones that can wait). */
  function trackLatLngs(S, t) {
    if (Array.isArray(t)) return { lls: t, bounds: null };
    if (typeof t !== "string" || !t) return { lls: [], bounds: null };
    var f;
    try { f = S.unpack(t, Int32Array); } catch (e) { S.log("warning", "unit track is not packed Int32 pairs"); return { lls: [], bounds: null }; }
    var n = f.length >> 1, out = new Array(n), s = Infinity, w = Infinity, no = -Infinity, ea = -Infinity;
    for (var i = 0; i < n; i++) {
      var lat = f[2 * i] / 1e6, lon = f[2 * i + 1] / 1e6;
      out[i] = L.latLng(lat, lon);
      if (lat < s) s = lat; if (lat > no) no = lat; if (lon < w) w = lon; if (lon > ea) ea = lon;
    }
    return { lls: out, bounds: n ? L.latLngBounds([s, w], [no, ea]) : null };
  }

  UnitsLayer.prototype._create = function (u, look) {
    var el = document.createElement("div");
    var badge = document.createElement("span");
    badge.className = "sitmap-unit-badge";
    var label = document.createElement("span");
    label.className = "sitmap-unit-label";
    el.appendChild(badge); el.appendChild(label);
    var icon = L.divIcon({ html: el, className: "sitmap-unit-icon", iconSize: [18, 18], iconAnchor: [9, 9] });
    var marker = L.marker([u.lat, u.lon], { icon: icon, keyboard: false, zIndexOffset: look.z,
                                            bubblingMouseEvents: false });
    var S = this.S, uid = u.uid;
    // A click on a unit is the unit's: the map (and the post drawn underneath) never sees it.
    marker.on("click", function (ev) {
      if (ev.originalEvent) L.DomEvent.stop(ev.originalEvent);
      if (S.bridge && S.bridge.unit && uid != null && uid !== "") S.bridge.unit(String(uid));
    });
    var e = { marker: marker, el: el, badge: badge, label: label, arrow: null, lat: u.lat, lon: u.lon,
              look: { color: null, cls: null, course: null, text: null, z: look.z, stale: null },
              line: null, track: undefined };
    this._restyle(e, look);
    marker.addTo(this.group);
    return e;
  };

  /** Set on the marker's own nodes only what differs from what they show; true if anything did. */
  UnitsLayer.prototype._restyle = function (e, look) {
    var o = e.look, changed = false;
    if (o.text !== look.text) { e.label.textContent = look.text; changed = true; }  // text, never markup
    if (o.cls !== look.cls) { e.el.className = look.cls + (e.labelShown === false ? " label-hidden" : ""); changed = true; }
    if (o.color !== look.color) { e.badge.style.background = look.color; changed = true; }
    if (o.course !== look.course) {
      if (look.course === null) {
        if (e.arrow) { e.badge.removeChild(e.arrow); e.arrow = null; }
      } else {
        if (!e.arrow) {
          e.arrow = document.createElement("span");
          e.arrow.className = "sitmap-unit-course";
          e.badge.appendChild(e.arrow);
        }
        e.arrow.style.transform = "rotate(" + look.course + "deg)";
      }
      changed = true;
    }
    if (o.z !== look.z) { e.marker.setZIndexOffset(look.z); changed = true; }
    e.look = look;
    return changed;
  };

  /** Give the track line the unit's points if they changed, and its style if the look did.
   * A line that is far from the view both before and after (over half a screen away) keeps
   * its points until the map next stops moving: nothing on screen changes, and that saves
   * projecting its points on every step. Returns "set", "deferred" or "". */
  UnitsLayer.prototype._retrack = function (e, u, look, view) {
    var what = "";
    if (!sameTrack(u.track, e.track)) {
      var tr = trackLatLngs(this.S, u.track), lls = tr.lls;
      e.track = u.track;
      e.pending = null;
      if (lls.length > 1) {
        if (!e.line) {
          e.line = L.polyline(lls, trackStyle(look)).addTo(this.tracks); e.lineLook = look; what = "set";
          e.recentLine = L.polyline(recentPart(lls), recentStyle(look)).addTo(this.recent);
        } else if (tr.bounds && view && !view.intersects(tr.bounds) && !view.intersects(e.line.getBounds())) {
          e.pending = lls; what = "deferred";
        } else {
          e.line.setLatLngs(lls); e.recentLine.setLatLngs(recentPart(lls)); what = "set";
        }
      } else if (e.line) {
        this.tracks.removeLayer(e.line); e.line = null; what = "set";
        this.recent.removeLayer(e.recentLine); e.recentLine = null;
      }
    }
    if (e.line && (e.lineLook.color !== look.color || e.lineLook.stale !== look.stale)) {
      e.line.setStyle(trackStyle(look)); e.recentLine.setStyle(recentStyle(look));
    }
    if (e.line) e.lineLook = look;
    return what;
  };

  /** The map stopped moving: lines that waited get their points. */
  UnitsLayer.prototype._flush = function () {
    this.byKey.forEach(function (e) {
      if (e.pending && e.line) { e.line.setLatLngs(e.pending); e.recentLine.setLatLngs(recentPart(e.pending)); }
      e.pending = null;
    });
  };

  UnitsLayer.prototype._drop = function (e) {
    this.group.removeLayer(e.marker);
    if (e.line) { this.tracks.removeLayer(e.line); this.recent.removeLayer(e.recentLine); }
  };

  /** Forget everything drawn: the next message builds every marker and line anew. */
  UnitsLayer.prototype.clear = function () {
    this.byKey.forEach(this._drop, this);
    this.byKey.clear();
    this.group.clearLayers(); this.tracks.clearLayers(); this.recent.clearLayers();
  };

  UnitsLayer.prototype.setData = function (units) {
    var S = this.S, t0 = performance.now();
    if (S.debug.unitsFullRebuild) this.clear();
    var st = { added: 0, moved: 0, restyled: 0, tracks: 0, deferred: 0, removed: 0, kept: 0 };
    var view = null;
    try { view = this.map.getBounds().pad(0.5); } catch (e) { view = null; }  // no view yet: draw everything
    var seen = new Map();
    units.forEach(function (u, i) {
      if (!u || typeof u.lat !== "number" || typeof u.lon !== "number" || !isFinite(u.lat) || !isFinite(u.lon)) return;
      var named = (typeof u.uid === "string" && u.uid !== "") || typeof u.uid === "number";
      var key = named ? "u:" + u.uid : "#" + i;
      if (seen.has(key)) key += "#" + i;  // the same uid twice: draw both, as before
      var look = unitLook(u), e = this.byKey.get(key);
      look.renderer = this.renderer;  // where its track lines are drawn (not part of what is compared)
      if (!e) {
        e = this._create(u, look);
        this.byKey.set(key, e);
        st.added++;
      } else {
        st.kept++;
        if (e.lat !== u.lat || e.lon !== u.lon) {
          e.marker.setLatLng([u.lat, u.lon]); e.lat = u.lat; e.lon = u.lon; st.moved++;
        }
        if (this._restyle(e, look)) st.restyled++;
      }
      var tr = this._retrack(e, u, look, view);
      if (tr === "set") st.tracks++;
      else if (tr === "deferred") st.deferred++;
      seen.set(key, true);
    }, this);
    this.byKey.forEach(function (e, key) {
      if (!seen.has(key)) { this._drop(e); this.byKey.delete(key); st.removed++; }
    }, this);
    this._declutter();
    st.ms = performance.now() - t0;
    S.state.units = units.length;
    S.state.unitUpdate = st;
    S.reportDrawn();
  };

  /** Labels that would overlap another label or another unit's badge are hidden (shown
   * on hover), the most important first: emergencies, then units still reporting. Far out
   * (below UNITS_FAR_ZOOM) units are dots: no labels but emergencies', no tracks. */
  UnitsLayer.prototype._declutter = function () {
    var map = this.map, far, none;
    try { far = map.getZoom() < UNITS_FAR_ZOOM; none = map.getZoom() < UNITS_HIDDEN_ZOOM; } catch (err) { return; }
    if (none !== this.none) {
      this.none = none;
      L.DomUtil[none ? "addClass" : "removeClass"](map.getContainer(), "sitmap-units-none");
    }
    if (far !== this.far) {
      this.far = far;
      L.DomUtil[far ? "addClass" : "removeClass"](map.getContainer(), "sitmap-units-far");
      if (far) { map.removeLayer(this.tracks); map.removeLayer(this.recent); }
      else { this.tracks.addTo(map); this.recent.addTo(map); }
    }
    var list = [];
    this.byKey.forEach(function (e) { list.push(e); });
    var badges = list.map(function (e) {
      var p = map.latLngToContainerPoint([e.lat, e.lon]);
      e._pt = p;
      return { x0: p.x - 9, y0: p.y - 9, x1: p.x + 9, y1: p.y + 9, e: e };
    });
    list.sort(function (a, b) { return unitRank(b) - unitRank(a) || (a.look.text < b.look.text ? -1 : 1); });
    var placed = [], shown = 0, hidden = 0;
    function hits(r, others, self) {
      for (var k = 0; k < others.length; k++) {
        var o = others[k];
        if (o.e === self) continue;
        if (r.x0 < o.x1 && r.x1 > o.x0 && r.y0 < o.y1 && r.y1 > o.y0) return true;
      }
      return false;
    }
    list.forEach(function (e) {
      if (e.labelText !== e.look.text) { e.labelText = e.look.text; e.labelW = labelWidth(e.look.text); }
      var p = e._pt, emergency = e.look.cls.indexOf("emergency") >= 0;
      var r = { x0: p.x + 12, y0: p.y - 10, x1: p.x + 12 + e.labelW, y1: p.y + 8, e: e };
      // An emergency's label may cover other badges; no label ever covers another label.
      var show = e.look.text !== "" && (!far || emergency) && !hits(r, placed, e) && (emergency || !hits(r, badges, e));
      if (show) { placed.push(r); shown++; } else hidden++;
      if (e.labelShown !== show) {
        e.labelShown = show;
        L.DomUtil[show ? "removeClass" : "addClass"](e.el, "label-hidden");
      }
    });
    this.S.state.unitLabels = { shown: shown, hidden: hidden, far: far };
  };

  function AreasLayer(map, S) {
    this.map = map; this.S = S;
    this.group = L.layerGroup().addTo(map);
  }
  AreasLayer.prototype.setData = function (areas) {
    this.group.clearLayers();
    var shown = 0;
    areas.forEach(function (a) {
      if (!a.visible) return;
      shown++;
      var color = a.exclude ? "#dc2626" : "#7c3aed";
      var layer = L.geoJSON(a.geometry, {
        interactive: false,
        style: { color: color, weight: a.selected ? 3 : 2, fillOpacity: a.exclude ? 0.12 : 0.06,
                 dashArray: a.exclude ? "6 4" : null },
      }).addTo(this.group);
      var el = document.createElement("div");
      el.className = "sitmap-area-label" + (a.exclude ? " exclude" : "");
      var name = document.createElement("span");
      name.textContent = a.name;
      el.appendChild(name);
      if (typeof a.count === "number") {
        var cnt = document.createElement("b");
        cnt.textContent = " " + a.count;
        el.appendChild(cnt);
        if (typeof a.possibly === "number" && a.possibly > 0) {  // possibly in: apart, never in the count
          var maybe = document.createElement("i");
          maybe.className = "sitmap-area-possibly";
          maybe.textContent = " (+" + a.possibly + "?)";
          el.appendChild(maybe);
        }
      }
      var c = layer.getBounds().getCenter();
      L.marker(c, { icon: L.divIcon({ html: el, className: "sitmap-area-icon", iconSize: null }), interactive: false,
                    keyboard: false }).addTo(this.group);
    }, this);
    this.S.state.areas = shown;
    this.S.reportDrawn();
  };

  window.SitmapLayers = {
    create: function (map, S) {
      var items = new ItemsLayer(S);
      items.addTo(map);
      var layers = { items: items, units: new UnitsLayer(map, S), areas: new AreasLayer(map, S) };
      map.on("click", function (ev) {
        if (S.draw && S.draw.active()) return;
        var id = items.hit(ev.containerPoint);
        if (id != null) { S.bridge && S.bridge.click(id); return; }
        var cell = items.hitCell(ev.containerPoint);
        if (cell) map.setView(cell, Math.min(map.getZoom() + 2, 19));
      });
      return layers;
    },
  };
})();

/* Sitmap page script: boots the bridge and dispatches its messages to the layers.
 *
 * Rules of this page: data arrives only over the bridge, as JSON or base64-packed
 * arrays; text from posts, units and areas is put into the DOM with textContent
 * (never innerHTML, never bindPopup/bindTooltip with strings); nothing here builds
 * code from data.
 */
(function () {
  "use strict";

  var S = (window.sitmap = {
    map: null,
    bridge: null,
    state: { ready: false, gen: -1, mode: "empty", points: 0, cells: 0, total: 0, units: 0, areas: 0,
             drawMode: null, selected: null, heat: false, errors: 0, highlight: null },
    pendingLogs: [],
    labels: {},
    // Set by benchmarks only: unitsFullRebuild (see UnitsLayer in canvas_layers.js);
    // framesAfterDrew: after each drawn update, say when the frame that shows it is done.
    debug: { unitsFullRebuild: false, framesAfterDrew: false },
  });

  function send(level, msg) {
    if (S.bridge) S.bridge.log(level, String(msg).slice(0, 4000));
    else if (S.pendingLogs.length < 100) S.pendingLogs.push([level, String(msg)]);
  }
  S.log = send;

  window.addEventListener("error", function (ev) {
    S.state.errors++;
    send("error", (ev.message || "error") + " at " + (ev.filename || "?") + ":" + (ev.lineno || 0));
  });
  window.addEventListener("unhandledrejection", function (ev) {
    S.state.errors++;
    send("error", "unhandled rejection: " + (ev.reason && ev.reason.message ? ev.reason.message : ev.reason));
  });
  // The page must never leave the app: links in data are never rendered as anchors, and
  // any stray navigation attempt is also refused by the view.
  document.addEventListener("click", function (ev) {
    var a = ev.target && ev.target.closest ? ev.target.closest("a[href]") : null;
    if (a && a.getAttribute("href").charAt(0) !== "#") ev.preventDefault();
  }, true);

  /** Decode base64 into a typed array of the given constructor. */
  S.unpack = function (b64, Ctor) {
    if (!b64) return new Ctor(0);
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Ctor(bytes.buffer);
  };

  function reportView() {
    if (!S.bridge) return;
    var b = S.map.getBounds();
    var size = S.map.getSize();
    var c = S.map.getCenter();
    S.bridge.view(JSON.stringify({
      bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
      zoom: S.map.getZoom(), width: size.x, height: size.y, center: [c.lng, c.lat],
    }));
  }
  S.reportView = reportView;

  S.reportDrawn = function (extra) {
    var st = S.state;
    if (!S.bridge) return;
    var gen = Math.max(st.gen, 0);
    S.bridge.drew(JSON.stringify({
      gen: gen, mode: st.mode, points: st.points, cells: st.cells, cell_total: st.cellTotal || 0,
      units: st.units, areas: st.areas, total: st.total, ms: (extra && extra.ms) || 0,
    }));
    if (S.debug.framesAfterDrew && S.bridge.frameDone) {
      // The first callback runs before the frame that paints the update; the second one
      // runs once that frame is done, so the change is on screen.
      requestAnimationFrame(function () {
        requestAnimationFrame(function () { S.bridge.frameDone(gen); });
      });
    }
  };

  /* The unit an emergency alert is about: a pulsing red ring around its marker, or, while
   * the unit has no marker in the window, at the alert's position. The ring follows the
   * marker through unit updates (it is checked again after each "units" message). */
  var highlight = { uid: null, pos: null, ring: null, on: null, alone: null, pan: false };

  function ringIn(parent) {
    var r = document.createElement("div");
    r.className = "sitmap-unit-highlight";
    var st = r.style;  // centred on the 18 px badge
    st.position = "absolute"; st.left = "-10px"; st.top = "-10px"; st.width = "38px"; st.height = "38px";
    st.boxSizing = "border-box"; st.border = "3px solid #dc2626"; st.borderRadius = "50%";
    st.boxShadow = "0 0 6px rgba(220,38,38,0.8)"; st.pointerEvents = "none";
    parent.appendChild(r);
    if (r.animate) {
      r.animate([{ transform: "scale(0.75)", opacity: 1 }, { transform: "scale(1.5)", opacity: 0.25 }],
                { duration: 1100, iterations: Infinity, easing: "ease-out" });
    }
    return r;
  }

  function syncHighlight() {
    var h = highlight, units = S.layers && S.layers.units;
    var e = h.uid !== null && units ? units.byKey.get("u:" + h.uid) || null : null;
    if (h.on && h.on !== e) {
      if (h.ring && h.ring.parentNode) h.ring.parentNode.removeChild(h.ring);
      h.on.marker.setZIndexOffset(h.on.look.z);
      h.on.el.style.display = "";
      h.ring = null; h.on = null;
    }
    if (e && h.on !== e) {
      h.ring = ringIn(e.el);
      h.on = e;
      e.marker.setZIndexOffset(2000);
      e.el.style.display = "block";  // shown even where units are hidden far out, as emergencies are
    }
    if (!e && h.uid !== null && h.pos) {
      if (!h.alone) {
        var el = document.createElement("div");
        el.style.position = "relative"; el.style.width = "18px"; el.style.height = "18px";
        ringIn(el);
        h.alone = L.marker(h.pos, { icon: L.divIcon({ html: el, className: "sitmap-unit-icon", iconSize: [18, 18],
                                                      iconAnchor: [9, 9] }),
                                    interactive: false, keyboard: false, zIndexOffset: 2000 }).addTo(S.map);
      } else {
        h.alone.setLatLng(h.pos);
      }
    } else if (h.alone) {
      S.map.removeLayer(h.alone); h.alone = null;
    }
    var ll = e ? e.marker.getLatLng() : (h.pos ? L.latLng(h.pos[0], h.pos[1]) : null);
    if (h.pan && ll) { S.map.panTo(ll, { animate: false }); h.pan = false; }
    S.state.highlight = h.uid === null ? null : { uid: h.uid, onMarker: !!e };
  }

  /** {type: "highlightUnit", uid: string | null, lat?, lon?, pan?}: checked here, as all data. */
  function onHighlight(m) {
    if (m.uid === null || m.uid === undefined) {
      highlight.uid = null; highlight.pos = null; highlight.pan = false;
      syncHighlight();
      return;
    }
    if (typeof m.uid !== "string" || m.uid === "" || m.uid.length > 512) {
      send("warning", "highlightUnit: uid must be a non-empty string");
      return;
    }
    var pos = null;
    if (m.lat != null || m.lon != null) {
      if (typeof m.lat !== "number" || typeof m.lon !== "number" || !isFinite(m.lat) || !isFinite(m.lon) ||
          m.lat < -90 || m.lat > 90 || m.lon < -180 || m.lon > 180) {
        send("warning", "highlightUnit: lat/lon out of range");
        return;
      }
      pos = [m.lat, m.lon];
    }
    highlight.uid = m.uid; highlight.pos = pos; highlight.pan = m.pan === true;
    syncHighlight();
  }

  var handlers = {
    items: function (m) { S.layers.items.setData(m); },
    units: function (m) { S.layers.units.setData(m.units || []); syncHighlight(); },
    highlightUnit: onHighlight,
    areas: function (m) { S.layers.areas.setData(m.areas || []); },
    select: function (m) { S.layers.items.select(m); },
    draw: function (m) { S.draw.start(m.mode || null); },
    fit: function (m) {
      var b = m.bounds;
      S.map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { maxZoom: m.maxZoom || 17, padding: [24, 24], animate: false });
    },
    tiles: function (m) { S.basemap.setTileLayers(m.layers || []); },
    districts: function (m) { S.basemap.setContext(m.features || null); },
    builtinDistricts: function (m) { S.basemap.setBuiltinDistricts({ show: m.show !== false }); },
    choropleth: function (m) {  // parallel lists of district codes and counts, checked again here
      var counts = {}, codes = Array.isArray(m.codes) ? m.codes : [], ns = Array.isArray(m.counts) ? m.counts : [];
      var level = m.level === "sido" || m.level === "sigungu" || m.level === "emd" || m.level === "loaded" ? m.level : "";
      var code = level === "loaded" ? /^[0-9]{1,7}$/ : /^[0-9]{2,7}$/;  // "loaded": the boundary layer's rows
      for (var i = 0; i < codes.length && i < ns.length; i++) {
        if (typeof codes[i] === "string" && code.test(codes[i]) && typeof ns[i] === "number" && ns[i] > 0) counts[codes[i]] = ns[i];
      }
      S.basemap.setChoropleth(level, counts);
    },
    view: function (m) { S.map.setView([m.center[0], m.center[1]], m.zoom, { animate: false }); },
    settings: function (m) {
      if ("heat" in m) S.layers.items.setHeat(!!m.heat);
      if (m.labels) { S.labels = m.labels; S.basemap.refresh(); }
    },
  };

  function onMessage(text) {
    var m;
    try { m = JSON.parse(text); } catch (e) { send("error", "bad message from Python"); return; }
    var h = handlers[m.type];
    if (!h) { send("warning", "unknown message type " + m.type); return; }
    try { h(m); } catch (e) { S.state.errors++; send("error", "handling " + m.type + ": " + (e && e.stack || e)); }
  }

  window.sitmapBoot = function (map) {
    S.map = map;
    S.layers = window.SitmapLayers.create(map, S);
    S.draw = window.SitmapDraw.create(map, S);
    S.basemap = window.SitmapBasemap.create(map, S);
    map.on("moveend", reportView);
    map.on("contextmenu", function (ev) {
      if (S.bridge) S.bridge.context(ev.latlng.lat, ev.latlng.lng);
    });
    /* global QWebChannel, qt */
    new QWebChannel(qt.webChannelTransport, function (channel) {
      S.bridge = channel.objects.sitmap;
      S.bridge.toPage.connect(onMessage);
      S.pendingLogs.splice(0).forEach(function (l) { S.bridge.log(l[0], l[1]); });
      S.state.ready = true;
      S.bridge.ready(JSON.stringify({ leaflet: L.version }));
      reportView();
    });
  };
})();

/* Drawing areas on the map without any plugin: polygon (click vertices, double-click
 * or click the first vertex to finish), rectangle and circle (press, drag, release).
 * Escape cancels. The finished shape goes to Python as data over the bridge.
 */
(function () {
  "use strict";

  var STYLE = { color: "#7c3aed", weight: 2, dashArray: "5 5", fillOpacity: 0.08, interactive: false };

  function Draw(map, S) {
    this.map = map; this.S = S; this.mode = null;
    this.points = []; this.temp = L.layerGroup().addTo(map);
    this.startLL = null; this.shape = null;
    var self = this;
    map.on("click", function (e) { self._click(e); });
    map.on("dblclick", function (e) { if (self.mode === "polygon") { L.DomEvent.stop(e); self._finishPolygon(); } });
    map.on("mousedown", function (e) { self._down(e); });
    map.on("mousemove", function (e) { self._move(e); });
    map.on("mouseup", function (e) { self._up(e); });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape" && self.mode) self.stop(true); });
  }

  Draw.prototype.active = function () { return this.mode !== null; };

  Draw.prototype.start = function (mode) {
    this.stop(false);
    if (!mode) return;
    this.mode = mode;
    this.S.state.drawMode = mode;
    this.map.getContainer().classList.add("sitmap-drawing");
    this.map.doubleClickZoom.disable();
    if (mode !== "polygon") this.map.dragging.disable();
  };

  Draw.prototype.stop = function (notify) {
    var was = this.mode;
    this.mode = null; this.points = []; this.startLL = null; this.shape = null;
    this.S.state.drawMode = null;
    this.temp.clearLayers();
    this.map.getContainer().classList.remove("sitmap-drawing");
    this.map.dragging.enable();
    this.map.doubleClickZoom.enable();
    if (was && notify && this.S.bridge) this.S.bridge.drawDone();
  };

  Draw.prototype._send = function (obj) {
    if (this.S.bridge) this.S.bridge.area(JSON.stringify(obj));
    this.stop(true);
  };

  Draw.prototype._click = function (e) {
    if (this.mode !== "polygon") return;
    var pts = this.points;
    if (pts.length >= 3) {
      var first = this.map.latLngToContainerPoint(pts[0]);
      if (first.distanceTo(e.containerPoint) < 10) { this._finishPolygon(); return; }
    }
    // A double-click arrives as two clicks first: ignore a repeat on the same spot.
    if (pts.length && this.map.latLngToContainerPoint(pts[pts.length - 1]).distanceTo(e.containerPoint) < 3) return;
    pts.push(e.latlng);
    this._renderPolygon(null);
  };

  Draw.prototype._renderPolygon = function (cursor) {
    this.temp.clearLayers();
    var pts = this.points.slice();
    if (cursor) pts.push(cursor);
    if (pts.length > 1) L.polygon(pts, STYLE).addTo(this.temp);
    this.points.forEach(function (p, i) {
      L.circleMarker(p, { radius: i === 0 ? 6 : 4, color: "#7c3aed", weight: 2, fillColor: "#fff", fillOpacity: 1,
                          interactive: false }).addTo(this.temp);
    }, this);
  };

  Draw.prototype._finishPolygon = function () {
    if (this.points.length < 3) return;
    var ring = this.points.map(function (p) { return [p.lng, p.lat]; });
    ring.push(ring[0].slice());
    this._send({ kind: "polygon", ring: ring });
  };

  Draw.prototype._down = function (e) {
    if (this.mode !== "rectangle" && this.mode !== "circle") return;
    this.startLL = e.latlng;
  };

  Draw.prototype._move = function (e) {
    if (this.mode === "polygon" && this.points.length) { this._renderPolygon(e.latlng); return; }
    if (!this.startLL) return;
    this.temp.clearLayers();
    if (this.mode === "rectangle") {
      this.shape = L.rectangle(L.latLngBounds(this.startLL, e.latlng), STYLE).addTo(this.temp);
    } else if (this.mode === "circle") {
      this.shape = L.circle(this.startLL, { radius: this.map.distance(this.startLL, e.latlng) }).setStyle(STYLE).addTo(this.temp);
    }
  };

  Draw.prototype._up = function (e) {
    if (!this.startLL) return;
    var a = this.startLL, b = e.latlng;
    this.startLL = null;
    if (this.map.latLngToContainerPoint(a).distanceTo(this.map.latLngToContainerPoint(b)) < 4) return;
    if (this.mode === "rectangle") {
      var w = Math.min(a.lng, b.lng), E = Math.max(a.lng, b.lng), s = Math.min(a.lat, b.lat), n = Math.max(a.lat, b.lat);
      this._send({ kind: "rectangle", ring: [[w, s], [E, s], [E, n], [w, n], [w, s]] });
    } else if (this.mode === "circle") {
      this._send({ kind: "circle", center: [a.lng, a.lat], radius_m: this.map.distance(a, b) });
    }
  };

  window.SitmapDraw = { create: function (map, S) { return new Draw(map, S); } };
})();

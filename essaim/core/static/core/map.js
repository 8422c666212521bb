// Draws the markers of a list of places on a Leaflet map, clustered. The list itself is the
// page's content and works without JavaScript; this only adds the map above or below it.
// Tiles come from the instance's MAP_TILE_URL; without one the markers and clusters draw on
// the map's plain background.
(function () {
  "use strict";

  function draw(element) {
    var source = document.getElementById(element.dataset.map);
    if (!source || typeof L === "undefined") {
      return;
    }
    var markers = JSON.parse(source.textContent);
    // maxZoom on the map itself: without a tile layer nothing else gives the clusters one.
    var map = L.map(element, { scrollWheelZoom: false, maxZoom: 18 });
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, {
        attribution: element.dataset.tileAttribution || "",
        maxZoom: 19,
      }).addTo(map);
    }
    var cluster = L.markerClusterGroup ? L.markerClusterGroup() : L.featureGroup();
    var bounds = [];
    markers.forEach(function (marker) {
      var point = [marker.latitude, marker.longitude];
      // Circle markers need no image: they draw the same with or without tiles.
      var dot = L.circleMarker(point, { radius: 8, weight: 2, fillOpacity: 0.8 });
      var popup = document.createElement("div");
      var link = document.createElement(marker.url ? "a" : "strong");
      if (marker.url) {
        link.href = marker.url;
      }
      link.textContent = marker.title;
      popup.appendChild(link);
      if (marker.meta) {
        popup.appendChild(document.createElement("br"));
        popup.appendChild(document.createTextNode(marker.meta));
      }
      dot.bindPopup(popup);
      cluster.addLayer(dot);
      bounds.push(point);
    });
    // The view first: the cluster layer reads the map's zoom when it is added.
    if (bounds.length === 1) {
      map.setView(bounds[0], 13);
    } else {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
    }
    map.addLayer(cluster);
    element.classList.add("place-map-ready");
    element.dataset.markerCount = String(markers.length);
  }

  function start() {
    document.querySelectorAll("[data-map]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

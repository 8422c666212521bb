// Draws the markers of a list of places on a Leaflet map, clustered. The list itself is the
// page's content and works without JavaScript; this only adds the map above or below it.
// Tiles come from the instance's MAP_TILE_URL; without one the markers and clusters draw on
// the map's plain background.
(function () {
  "use strict";

  function popup(marker) {
    var content = document.createElement("div");
    var link = document.createElement(marker.url ? "a" : "strong");
    if (marker.url) {
      link.href = marker.url;
    }
    link.textContent = marker.title;
    content.appendChild(link);
    if (marker.meta) {
      content.appendChild(document.createElement("br"));
      content.appendChild(document.createTextNode(marker.meta));
    }
    return content;
  }

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
    var bounds = markers.map(function (marker) {
      return [marker.latitude, marker.longitude];
    });
    function ready() {
      element.classList.add("place-map-ready");
      element.dataset.markerCount = String(markers.length);
    }
    // Thousands of markers: added at once (addLayers), clustered in slices of at most
    // 100 ms between which the page stays responsive (chunkedLoading), and each popup built
    // only when it opens (bench/map.py measures it).
    var cluster = L.markerClusterGroup
      ? L.markerClusterGroup({
          chunkedLoading: true,
          chunkInterval: 100,
          chunkProgress: function (processed, total) {
            if (processed === total) {
              ready();
            }
          },
        })
      : L.featureGroup();
    var dots = markers.map(function (marker, index) {
      // Circle markers need no image: they draw the same with or without tiles.
      var dot = L.circleMarker(bounds[index], { radius: 8, weight: 2, fillOpacity: 0.8 });
      dot.bindPopup(function () {
        return popup(marker);
      });
      return dot;
    });
    // The view first: the cluster layer reads the map's zoom when it is added.
    if (bounds.length === 1) {
      map.setView(bounds[0], 13);
    } else {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 14 });
    }
    if (L.markerClusterGroup) {
      cluster.addLayers(dots);
      map.addLayer(cluster);
    } else {
      dots.forEach(function (dot) {
        cluster.addLayer(dot);
      });
      map.addLayer(cluster);
      ready();
    }
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

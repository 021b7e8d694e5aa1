// The chart of the "readings" page (GET /services/readings/page): reads data.json beside the page
// and draws the readings as a line in the page's <svg id="chart">, with plain DOM calls and no
// library. The form #upload sends a CSV file to data.csv and draws again.
//
// URLs are relative to the page, so the page works by name (/services/readings/page) and by
// version (/services/readings_1.0.0/page). A browser that logged in sends its token cookie.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var WIDTH = 800;
  var HEIGHT = 320;
  var MARGIN = { left: 64, right: 16, top: 16, bottom: 40 };
  // How often the chart asks for data.json again while the page is open.
  var POLL_MILLISECONDS = 5000;

  function element(name, attributes, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) {
      node.setAttribute(key, String(attributes[key]));
    });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  // Five round values from low to high for the value axis.
  function ticks(low, high) {
    var step = (high - low) / 4;
    var values = [];
    for (var i = 0; i <= 4; i++) {
      values.push(low + step * i);
    }
    return values;
  }

  function label(value) {
    return Math.abs(value) >= 1000 || value === Math.round(value)
      ? String(Math.round(value))
      : value.toPrecision(3);
  }

  function timeLabel(milliseconds) {
    return new Date(milliseconds).toISOString().slice(0, 16).replace("T", " ");
  }

  // Draws `readings` ([{time, value}], oldest first) into `svg`.
  function draw(svg, readings) {
    while (svg.firstChild) {
      svg.removeChild(svg.firstChild);
    }
    if (readings.length === 0) {
      svg.appendChild(element("text", { x: WIDTH / 2, y: HEIGHT / 2, class: "empty" },
        "No readings yet: upload a CSV file of time,value rows."));
      return;
    }
    var points = readings.map(function (r) {
      return { t: Date.parse(r.time), v: r.value };
    });
    var t0 = points[0].t;
    var t1 = points[points.length - 1].t;
    if (t1 === t0) {
      t0 -= 60000;
      t1 += 60000;
    }
    var v0 = Math.min.apply(null, points.map(function (p) { return p.v; }));
    var v1 = Math.max.apply(null, points.map(function (p) { return p.v; }));
    if (v1 === v0) {
      v0 -= 1;
      v1 += 1;
    }
    var plotWidth = WIDTH - MARGIN.left - MARGIN.right;
    var plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
    function x(t) { return MARGIN.left + (t - t0) / (t1 - t0) * plotWidth; }
    function y(v) { return MARGIN.top + (v1 - v) / (v1 - v0) * plotHeight; }

    ticks(v0, v1).forEach(function (value) {
      svg.appendChild(element("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right,
        y1: y(value), y2: y(value), class: "grid" }));
      svg.appendChild(element("text", { x: MARGIN.left - 8, y: y(value) + 4, class: "axis value" },
        label(value)));
    });
    [t0, (t0 + t1) / 2, t1].forEach(function (t, index) {
      var anchor = ["start", "middle", "end"][index];
      svg.appendChild(element("text", { x: x(t), y: HEIGHT - 12, class: "axis time",
        "text-anchor": anchor }, timeLabel(t)));
    });
    svg.appendChild(element("polyline", {
      class: "line",
      points: points.map(function (p) { return x(p.t).toFixed(1) + "," + y(p.v).toFixed(1); })
        .join(" ")
    }));
    if (points.length <= 100) {
      points.forEach(function (p, index) {
        var dot = element("circle", { cx: x(p.t), cy: y(p.v), r: 3, class: "dot" });
        dot.appendChild(element("title", {}, readings[index].time + ": " + p.v));
        svg.appendChild(dot);
      });
    }
  }

  function show(id, text) {
    document.getElementById(id).textContent = text;
  }

  // The `detail` of an error answer, or its status line.
  function problem(response) {
    return response.json().then(function (body) {
      return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    }, function () {
      return response.status + " " + response.statusText;
    });
  }

  function refresh() {
    return fetch("data.json", { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          return problem(response).then(function (detail) { throw new Error(detail); });
        }
        return response.json();
      })
      .then(function (data) {
        draw(document.getElementById("chart"), data.readings);
        show("summary", data.count + " readings (at most " + data.capacity + " are kept)");
      })
      .catch(function (error) {
        show("summary", "Could not load the readings: " + error.message);
      });
  }

  function upload(event) {
    event.preventDefault();
    var file = event.target.elements.file.files[0];
    if (!file) {
      show("message", "Choose a CSV file first.");
      return;
    }
    fetch("data.csv", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "text/csv" },
      body: file
    }).then(function (response) {
      if (!response.ok) {
        return problem(response).then(function (detail) {
          show("message", "Refused: " + detail);
        });
      }
      return response.json().then(function (summary) {
        show("message", "Added " + summary.added + " readings" +
          (summary.dropped ? " (" + summary.dropped + " oldest dropped)" : "") + ".");
        return refresh();
      });
    }).catch(function (error) {
      show("message", "Upload failed: " + error.message);
    });
  }

  // Keeps the chart current: the service's event stream says when its readings change (the
  // browser reconnects it by itself when the service restarts or a new version takes over);
  // without EventSource, the page asks every few seconds instead.
  function listen() {
    if (window.EventSource) {
      var source = new EventSource("events");
      source.addEventListener("readings", function () { refresh(); });
      return;
    }
    window.setInterval(refresh, POLL_MILLISECONDS);
  }

  document.getElementById("upload").addEventListener("submit", upload);
  refresh();
  listen();
})();

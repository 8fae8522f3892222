/* Report page behaviour, inlined into every page (no request is ever made):
   - draws each chart from its Vega-Lite spec (<script type="application/json" data-chart-spec="ID">)
     into the element with that id, with vega-embed (tooltips on every mark);
   - sorts a table by a column when its header is clicked, and filters it by the selects and the search
     box above it (<div class="table-tools" data-table="ID">);
   - highlights one persona across the page: the persona select (data-persona-select), or a click on a
     chart mark that belongs to a persona, sets the parameter "persona" of every chart that declares it
     and marks the table rows of that persona (tr[data-persona]).
   When every chart is drawn, <body> gets data-charts-rendered="N". */
(function () {
  "use strict";

  var personaViews = [];
  var persona = null;

  function setPersona(value) {
    persona = value === "" || value === null || value === undefined ? null : Number(value);
    personaViews.forEach(function (view) {
      view.signal("persona", persona).runAsync();
    });
    document.querySelectorAll("tr[data-persona]").forEach(function (row) {
      row.classList.toggle("highlight", persona !== null && Number(row.getAttribute("data-persona")) === persona);
    });
    document.querySelectorAll("select[data-persona-select]").forEach(function (select) {
      select.value = persona === null ? "" : String(persona);
    });
  }

  function drawChart(node) {
    var target = document.getElementById(node.getAttribute("data-chart-spec"));
    var spec = JSON.parse(node.textContent);
    var hasPersona = (spec.params || []).some(function (param) { return param.name === "persona"; });
    // Vega-Lite warns that a chart as wide as its container and as tall as its rows cannot "fit" its
    // height, which is the intent: only errors reach the console.
    var options = {actions: false, renderer: target.getAttribute("data-renderer") || "svg",
                   tooltip: {theme: "light"}, logLevel: vega.Error};
    return vegaEmbed(target, spec, options).then(function (result) {
      if (hasPersona) {
        personaViews.push(result.view);
        if (persona !== null) {
          result.view.signal("persona", persona).runAsync();
        }
        result.view.addEventListener("click", function (event, item) {
          var datum = item && item.datum;
          if (datum && datum.persona_id !== null && datum.persona_id !== undefined) {
            setPersona(Number(datum.persona_id) === persona ? null : datum.persona_id);
          }
        });
      }
      target.setAttribute("data-rendered", "true");
    }).catch(function (error) {
      target.setAttribute("data-rendered", "error");
      console.error("chart " + target.id + " could not be drawn: " + error);
    });
  }

  function drawCharts() {
    var nodes = Array.prototype.slice.call(document.querySelectorAll("script[data-chart-spec]"));
    // One chart per task, so the page stays responsive while a long page draws.
    var done = nodes.reduce(function (previous, node) {
      return previous.then(function () {
        return new Promise(function (resolve) { setTimeout(resolve, 0); });
      }).then(function () { return drawChart(node); });
    }, Promise.resolve());
    done.then(function () {
      document.body.setAttribute("data-charts-rendered", String(nodes.length));
    });
  }

  function cellValue(row, column) {
    var cell = row.cells[column];
    if (!cell) {
      return {missing: true};
    }
    var raw = cell.getAttribute("data-value");
    var text = cell.textContent.trim();
    if (raw !== null && raw !== "") {
      return {number: Number(raw)};
    }
    return {text: text, missing: text === "—" || text === ""};
  }

  function compare(a, b) {
    if (a.missing || b.missing) {
      return (a.missing ? 1 : 0) - (b.missing ? 1 : 0);
    }
    if (a.number !== undefined && b.number !== undefined) {
      return a.number - b.number;
    }
    return String(a.text !== undefined ? a.text : a.number).localeCompare(
      String(b.text !== undefined ? b.text : b.number), undefined, {numeric: true, sensitivity: "base"});
  }

  function sortTable(table, column, header) {
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th").forEach(function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.forEach(function (row, index) { row.__order = index; });
    rows.sort(function (a, b) {
      var left = cellValue(a, column);
      var right = cellValue(b, column);
      var result = (left.missing || right.missing) ? compare(left, right) : compare(left, right) * (ascending ? 1 : -1);
      return result || a.__order - b.__order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function filterTable(tools) {
    var table = document.getElementById(tools.getAttribute("data-table"));
    var selects = Array.prototype.slice.call(tools.querySelectorAll("select[data-filter-column]"));
    var search = tools.querySelector("input[data-table-search]");
    var query = search ? search.value.trim().toLowerCase() : "";
    var shown = 0;
    var rows = table.tBodies[0].rows;
    Array.prototype.forEach.call(rows, function (row) {
      var visible = selects.every(function (select) {
        var cell = row.cells[Number(select.getAttribute("data-filter-column"))];
        return select.value === "" || (cell && cell.textContent.trim() === select.value);
      }) && (query === "" || row.textContent.toLowerCase().indexOf(query) >= 0);
      row.hidden = !visible;
      shown += visible ? 1 : 0;
    });
    var count = tools.querySelector("[data-row-count]");
    if (count) {
      count.textContent = shown === rows.length ? rows.length + " rows" : shown + " of " + rows.length + " rows";
    }
  }

  function setUpTables() {
    document.querySelectorAll("table.data[data-sortable]").forEach(function (table) {
      table.querySelectorAll("thead th").forEach(function (header, column) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "sort";
        button.title = "Sort by this column";
        while (header.firstChild) {
          button.appendChild(header.firstChild);
        }
        header.appendChild(button);
        button.addEventListener("click", function () { sortTable(table, column, header); });
      });
    });
    document.querySelectorAll(".table-tools[data-table]").forEach(function (tools) {
      tools.querySelectorAll("select, input").forEach(function (control) {
        control.addEventListener("input", function () { filterTable(tools); });
        control.addEventListener("change", function () { filterTable(tools); });
      });
      filterTable(tools);
    });
  }

  function setUpPersonaSelect() {
    document.querySelectorAll("select[data-persona-select]").forEach(function (select) {
      select.addEventListener("change", function () { setPersona(select.value); });
    });
  }

  function start() {
    setUpTables();
    setUpPersonaSelect();
    if (typeof vegaEmbed === "function") {
      drawCharts();
    } else {
      document.body.setAttribute("data-charts-rendered", "0");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());

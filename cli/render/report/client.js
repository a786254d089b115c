// The report's rows: drawn a page at a time from the JSON in the page (see render.ts for its layout), filtered,
// and explained on click. Browser code, inlined into the report; no network, text only through textContent.
(function () {
  'use strict';
  var rows = JSON.parse(document.getElementById('rows-data').textContent);
  var meta = JSON.parse(document.getElementById('meta-data').textContent);
  var PAGE = 50;
  var page = 0;
  var shown = rows;
  var el = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  };
  var pct = function (x) {
    return Math.round(x * 100) + '%';
  };
  // Sentence fields: [start, end, verdict, stage, stage_probs, cluster_path, cluster_prob, distance, percentile,
  // passage, match, source, doc_id, chunk]
  var summaryOf = function (s) {
    var probs = Object.keys(s[4])
      .map(function (k) {
        return k + ' ' + pct(s[4][k]);
      })
      .join(', ');
    return s[2] + (s[8] === null ? '' : ' · p' + Math.round(s[8])) + ' · d=' + s[7].toFixed(3) + (probs ? ' · ' + probs : '');
  };

  function matches(r) {
    var v = document.getElementById('f-verdict').value;
    var st = document.getElementById('f-stage').value;
    var spans = document.getElementById('f-spans').checked;
    var q = document.getElementById('f-text').value.toLowerCase();
    if (spans && !r.b.length) return false;
    if (q && r.t.toLowerCase().indexOf(q) < 0) return false;
    if (
      v &&
      !r.s.some(function (s) {
        return s[2] === v;
      })
    )
      return false;
    if (
      st &&
      !r.s.some(function (s) {
        return (s[2] === 'novel' ? 'novel' : s[3]) === st;
      })
    )
      return false;
    return true;
  }

  /** The text of [a, b) of a row, book-span parts underlined. */
  function appendText(parent, r, a, b) {
    var cuts = [a, b];
    r.b.forEach(function (sp) {
      if (sp[0] > a && sp[0] < b) cuts.push(sp[0]);
      if (sp[1] > a && sp[1] < b) cuts.push(sp[1]);
    });
    cuts.sort(function (x, y) {
      return x - y;
    });
    for (var i = 0; i + 1 < cuts.length; i++) {
      var from = cuts[i];
      var to = cuts[i + 1];
      if (to <= from) continue;
      var inSpan = r.b.some(function (sp) {
        return sp[0] <= from && sp[1] >= to;
      });
      var piece = r.t.slice(from, to);
      if (inSpan) {
        var m = el('span', 'bk', piece);
        m.title = 'book span: found verbatim in the corpus';
        parent.appendChild(m);
      } else parent.appendChild(document.createTextNode(piece));
    }
  }

  function showDetails(r, s, node) {
    var prev = document.querySelector('.s.selected');
    if (prev) prev.classList.remove('selected');
    node.classList.add('selected');
    var d = document.getElementById('details');
    d.textContent = '';
    var close = el('button', 'close', '×');
    close.onclick = function () {
      d.classList.remove('open');
      node.classList.remove('selected');
    };
    d.appendChild(close);
    d.appendChild(el('h3', null, 'Row ' + r.n + ' · ' + s[2]));
    d.appendChild(el('div', null, '“' + r.t.slice(s[0], s[1]) + '”'));
    var facts = el('div');
    facts.appendChild(el('div', null, 'distance ' + s[7].toFixed(4) + (s[8] === null ? '' : ' · percentile ' + s[8] + ' of unseen in-domain text')));
    if (meta.cutoffs) facts.appendChild(el('div', null, 'cut-offs: known ≤ ' + meta.cutoffs.known + ', near ≤ ' + meta.cutoffs.near));
    d.appendChild(facts);
    var probs = Object.keys(s[4]);
    if (probs.length) {
      d.appendChild(el('div', null, 'Stage probabilities'));
      probs.forEach(function (k) {
        var line = el('div');
        var bar = el('span', 'probbar');
        bar.style.width = Math.max(2, s[4][k] * 200) + 'px';
        bar.style.background = meta.stageColors[k] || '#607d8b';
        line.appendChild(bar);
        line.appendChild(document.createTextNode(' ' + k + ' ' + pct(s[4][k])));
        d.appendChild(line);
      });
    } else d.appendChild(el('div', null, 'No stage: the sentence is novel (nothing in the corpus is close).'));
    if (s[5].length) d.appendChild(el('div', null, 'Cluster: ' + s[5].join(' › ') + ' (' + pct(s[6]) + ' of the vote)'));
    if (s[9]) {
      d.appendChild(
        el('div', null, 'Supporting passage' + (s[13] === null ? '' : ' (chunk ' + s[13] + (s[11] ? ', ' + s[11] : '') + (s[12] ? ', ' + s[12] : '') + ')')),
      );
      var p = el('div', 'passage');
      if (s[10]) {
        p.appendChild(document.createTextNode(s[9].slice(0, s[10][0])));
        p.appendChild(el('mark', null, s[9].slice(s[10][0], s[10][1])));
        p.appendChild(document.createTextNode(s[9].slice(s[10][1])));
      } else p.textContent = s[9];
      d.appendChild(p);
    }
    d.classList.add('open');
  }

  function renderRow(r) {
    var card = el('div', 'row');
    card.dataset.row = r.n;
    var spans = r.b.length ? ' · ' + r.b.length + ' book span(s)' : '';
    card.appendChild(el('div', 'head', 'row ' + r.n + ' (line ' + r.line + ') · ' + r.s.length + ' sentence(s)' + spans));
    var text = el('div', 'text');
    var at = 0;
    r.s.forEach(function (s) {
      if (s[0] > at) appendText(text, r, at, s[0]);
      var node = el('span', 's ' + s[2]);
      node.title = summaryOf(s);
      appendText(node, r, s[0], s[1]);
      node.onclick = function () {
        showDetails(r, s, node);
      };
      text.appendChild(node);
      at = Math.max(at, s[1]);
    });
    if (at < r.t.length) appendText(text, r, at, r.t.length);
    card.appendChild(text);
    return card;
  }

  function draw() {
    var box = document.getElementById('rows');
    box.textContent = '';
    var pages = Math.max(1, Math.ceil(shown.length / PAGE));
    page = Math.min(page, pages - 1);
    var slice = shown.slice(page * PAGE, page * PAGE + PAGE);
    slice.forEach(function (r) {
      box.appendChild(renderRow(r));
    });
    if (!slice.length) box.appendChild(el('div', 'empty', 'No row matches the filters.'));
    var from = shown.length ? page * PAGE + 1 : 0;
    document.getElementById('count').textContent =
      ' rows ' +
      from +
      '–' +
      (page * PAGE + slice.length) +
      ' of ' +
      shown.length +
      (shown.length < rows.length ? ' (filtered from ' + rows.length + ')' : '') +
      ' ';
    document.getElementById('prev').disabled = page === 0;
    document.getElementById('next').disabled = page >= pages - 1;
  }

  function refilter() {
    shown = rows.filter(matches);
    page = 0;
    draw();
  }
  ['f-verdict', 'f-stage', 'f-spans'].forEach(function (id) {
    document.getElementById(id).onchange = refilter;
  });
  document.getElementById('f-text').oninput = refilter;
  document.getElementById('prev').onclick = function () {
    page--;
    draw();
  };
  document.getElementById('next').onclick = function () {
    page++;
    draw();
  };
  draw();
})();

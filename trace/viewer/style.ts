/** The viewer page's stylesheet and static markup (the client script fills them in). */

/** The page's CSS. */
export const CSS = `
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; }
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a202c; background: #fff; display: flex; flex-direction: column; }
header { display: flex; align-items: baseline; gap: 16px; padding: 8px 16px; background: #2d3748; color: #fff; }
header h1 { font-size: 16px; margin: 0; }
#summary { color: #cbd5e0; }
#app { flex: 1; display: grid; grid-template-columns: minmax(0, 1fr) 400px; min-height: 0; }
#main { overflow-y: auto; padding: 0 12px 16px; min-width: 0; }
#side { overflow-y: auto; border-left: 1px solid #e2e8f0; padding: 0 12px 16px; background: #fcfcfd; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: #4a5568; margin: 14px 0 6px; }
#toolbar { position: sticky; top: 0; z-index: 2; background: #fff; display: flex; align-items: center; gap: 6px; padding: 8px 0; border-bottom: 1px solid #e2e8f0; flex-wrap: wrap; }
#toolbar button { font: inherit; padding: 2px 9px; border: 1px solid #cbd5e0; background: #f7fafc; border-radius: 4px; cursor: pointer; }
#toolbar button.on { background: #2b6cb0; color: #fff; border-color: #2b6cb0; }
#slider { flex: 1; min-width: 200px; }
#cursor-label { font-variant-numeric: tabular-nums; min-width: 260px; color: #744210; }
.sep { width: 1px; height: 20px; background: #e2e8f0; margin: 0 4px; }
.hint, .muted { color: #718096; font-size: 12px; margin: 4px 0; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: #4a5568; margin-bottom: 4px; }
.legend i { display: inline-block; width: 14px; height: 10px; margin-right: 4px; vertical-align: -1px; border-radius: 2px; }
.legend i.line { height: 2px; vertical-align: 3px; }
.canvas-wrap { border: 1px solid #e2e8f0; border-radius: 4px; overflow: hidden; cursor: grab; }
canvas { display: block; }
.list { height: 300px; overflow-y: auto; border: 1px solid #e2e8f0; border-radius: 0 0 4px 4px; position: relative; font-size: 12px; }
.list-spacer { position: relative; }
.list-row { display: grid; grid-template-columns: 64px 56px 78px 120px 150px 150px 110px minmax(0, 1fr); height: 20px; line-height: 20px; padding: 0 6px; white-space: nowrap; cursor: pointer; }
.list-row span { overflow: hidden; text-overflow: ellipsis; padding-right: 6px; }
.list-rows .list-row { position: absolute; left: 0; right: 0; }
.list-rows .list-row:hover { background: #ebf8ff; }
.list-row.head { font-weight: 600; background: #edf2f7; border: 1px solid #e2e8f0; border-bottom: 0; border-radius: 4px 4px 0 0; cursor: default; }
.list-row.selected { background: #fefcbf !important; }
.k-send, .k-receive { color: #2b6cb0; } .k-cache { color: #c05621; } .k-notify { color: #6b46c1; }
.k-destroy, .k-error, .k-deadlock, .k-kill, .k-port-death { color: #c53030; } .k-log { color: #4a5568; font-style: italic; }
table { border-collapse: collapse; width: 100%; }
table.kv th { text-align: left; color: #4a5568; font-weight: 500; width: 90px; vertical-align: top; }
table.kv td { word-break: break-word; }
table.kv th, table.kv td { padding: 1px 4px; border-bottom: 1px solid #f0f2f5; }
table.grid th { text-align: left; font-weight: 600; color: #4a5568; border-bottom: 1px solid #cbd5e0; padding: 2px 4px; }
table.grid td { padding: 2px 4px; border-bottom: 1px solid #f0f2f5; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; } td.busy { font-weight: 700; color: #c05621; }
td.small { font-size: 11px; color: #4a5568; }
tr.dead td { color: #a0aec0; text-decoration: line-through; }
.rec-title { font-weight: 600; margin: 2px 0 6px; }
.related { margin-top: 6px; }
.kind { padding: 0 5px; border-radius: 3px; background: #edf2f7; }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; background: #e2e8f0; }
.s-running { background: #38a169; color: #fff; } .s-ready { background: #ecc94b; } .s-waiting { background: #fc8181; }
.s-new { background: #cbd5e0; } .s-terminated, .s-exited, .s-reaped { background: #4a5568; color: #fff; } .s-zombie { background: #975a16; color: #fff; }
.tag { font-size: 11px; color: #4a5568; border: 1px solid #cbd5e0; border-radius: 3px; padding: 0 4px; } .tag.orphan { border-color: #dd6b20; color: #c05621; }
ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 16px; }
ul.tree { padding-left: 0; }
ul.tree li { position: relative; padding: 1px 0 1px 4px; }
ul.tree ul li::before { content: ''; position: absolute; left: -10px; top: 0; height: 11px; width: 9px; border-left: 1px solid #a0aec0; border-bottom: 1px solid #a0aec0; }
li.st-reaped > .pname { text-decoration: line-through; color: #a0aec0; } li.hidden-task > .pname { opacity: .45; }
.dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 5px; }
.link { color: #2b6cb0; cursor: pointer; text-decoration: underline; }
.filter-group { margin-bottom: 8px; }
.filter-list { max-height: 130px; overflow-y: auto; border: 1px solid #e2e8f0; border-radius: 4px; padding: 2px 6px; background: #fff; columns: 2; }
.filter-list label { display: block; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
`;

/** Swatches for a legend: [css of the swatch, text]. */
function legend(items: [string, string][]): string {
  return `<div class="legend">${items.map(([css, text]) => `<span><i ${css}></i>${text}</span>`).join('')}</div>`;
}

/**
 * The page's static markup; `title` must already be HTML-escaped.
 *
 * @example
 * `<body>${skeleton('echo &amp; client')}<script>…</script></body>`
 */
export function skeleton(title: string): string {
  return `<header><h1 id="title">${title}</h1><span id="summary"></span></header>
<div id="app">
<main id="main">
<div id="toolbar">
<button id="axis-seq" title="one step per record: every event gets room">record order</button><button id="axis-time" title="virtual time in ms: the scheduler's clock">virtual time</button>
<span class="sep"></span>
<button id="zoom-in" title="zoom in (+)">+</button><button id="zoom-out" title="zoom out (−)">−</button><button id="fit">fit</button><button id="center" title="centre the view on the cursor">centre</button>
<span class="sep"></span>
<button id="prev" title="previous record (←)">◀</button><input id="slider" type="range" aria-label="time slider: the state after this record"><button id="next" title="next record (→)">▶</button>
<span id="cursor-label"></span>
</div>
<p class="hint">Drag to pan · ctrl+wheel or pinch to zoom · shift+wheel to scroll · click a line, mark, bar or row to select a record; the panels on the right show the state just after it · ←/→ step.</p>
<h2>Sequence diagram</h2>
${legend([
  ['class="line" style="background:#2b6cb0"', 'message (send → receive)'],
  ['class="line" style="background:#718096"', 'request served by the kernel'],
  ['class="line" style="background:#805ad5"', 'notification'],
  ['style="background:#dd6b20"', 'cached send (past qlimit)'],
  ['style="background:#e53e3e"', 'destroyed (×) / ○ still queued'],
  ['style="background:rgba(229,62,62,.22)"', 'blocked in a trap'],
  ['style="background:#2d3748;border-radius:50%"', 'spawn · | exit'],
])}
<div id="seq-wrap" class="canvas-wrap"><canvas id="seq"></canvas></div>
<h2>CPU timeline</h2>
${legend([
  ['style="background:#38a169"', 'running'],
  ['style="background:#ecc94b"', 'ready'],
  ['style="background:#fc8181"', 'waiting'],
  ['style="background:#cbd5e0"', 'new'],
  ['style="background:linear-gradient(90deg,hsl(137,55%,42%),hsl(275,55%,42%))"', 'cpu rows: the task on each CPU'],
])}
<div id="gantt-wrap" class="canvas-wrap"><canvas id="gantt"></canvas></div>
<h2>Records <span id="list-count"></span></h2>
<div class="list-row head"><span>seq</span><span>t (ms)</span><span>kind</span><span>task</span><span>op</span><span>port</span><span>peer</span><span>more</span></div>
<div id="list" class="list"></div>
</main>
<aside id="side">
<h2>Selected record</h2><div id="details"></div>
<h2>State at the cursor</h2><div id="state"></div>
<h2>Process tree</h2><div id="tree"></div>
<h2>Filters</h2><div id="filters"></div>
</aside>
</div>`;
}

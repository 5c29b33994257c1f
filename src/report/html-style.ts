/** The HTML report's style sheet (inlined: the report is one file with no network access). */
export const HTML_CSS = `
:root{--fg:#1d2330;--muted:#5b6472;--line:#dde1e7;--soft:#f6f7f9;--pass:#1f7a45;--fail:#b42318;
  --cached:#5b6472;--accent:#3451d1;--hl:#ffe4df;--match:#fff4c2}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:var(--fg);background:var(--soft)}
:focus-visible{outline:3px solid var(--accent);outline-offset:1px}
header{background:#1d2330;color:#fff;padding:14px 24px}
header h1{margin:0 0 6px;font-size:20px}
.runmeta{display:flex;flex-wrap:wrap;gap:4px 22px;margin:0;font-size:13px}
.runmeta div{display:flex;gap:6px}
.runmeta dt{opacity:.75}
.runmeta dd{margin:0;font-weight:600}
.toolbar{position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;gap:10px;align-items:center;
  padding:10px 24px;background:#fff;border-bottom:1px solid var(--line)}
.filters{display:flex;gap:4px}
.filters button{font:inherit;border:1px solid var(--line);background:#fff;border-radius:16px;
  padding:3px 12px;cursor:pointer}
.filters button[aria-pressed=true]{background:var(--fg);color:#fff;border-color:var(--fg)}
#search{font:inherit;flex:1;min-width:260px;max-width:520px;padding:5px 10px;
  border:1px solid #b8bfca;border-radius:6px}
#shown{color:var(--muted);font-size:13px}
main{padding:14px 24px}
.empty{color:var(--muted);padding:20px}
.test{background:#fff;border:1px solid var(--line);border-radius:8px;margin:0 0 12px}
.test[data-status=failed]{border-left:4px solid var(--fail)}
.test h2{margin:0;font-size:15px}
.toggle{all:unset;box-sizing:border-box;display:flex;gap:10px;align-items:center;width:100%;
  padding:10px 14px;cursor:pointer;border-radius:8px}
.toggle:focus-visible{outline:3px solid var(--accent)}
.chev{display:inline-block;transition:transform .1s;width:10px}
.toggle[aria-expanded=true] .chev{transform:rotate(90deg)}
.tname{font-weight:600}
.tmeta{margin-left:auto;color:var(--muted);font-size:12px;font-weight:400}
.badge{font-size:11px;font-weight:700;padding:2px 8px;border-radius:10px;color:#fff;
  letter-spacing:.03em}
.badge.passed{background:var(--pass)}
.badge.failed{background:var(--fail)}
.badge.cached{background:var(--cached)}
.body{padding:0 14px 14px}
.meta{color:var(--muted);font-size:12px;margin:2px 0 8px}
.evidence{display:inline-block;font-size:12px;border:1px solid var(--line);border-radius:6px;
  padding:2px 8px;margin:0 0 8px}
.evidence.exit-codes{border-color:#d9a400;background:#fff8e1}
.error{border-left:4px solid var(--fail);background:#fdecea;padding:6px 10px;margin:6px 0;
  white-space:pre-wrap}
ol.findings{list-style:none;padding:0;margin:6px 0}
.finding{all:unset;box-sizing:border-box;display:block;width:100%;border-left:4px solid var(--fail);
  background:#fdf1ef;padding:6px 10px;margin:4px 0;cursor:pointer;border-radius:0 4px 4px 0}
.finding.first{background:#fbd9d3;font-weight:600}
.finding[aria-pressed=true]{box-shadow:inset 0 0 0 2px var(--fail)}
.finding .tag{font-size:11px;text-transform:uppercase;color:var(--fail);margin-right:6px}
code,.mono{font:12px ui-monospace,SFMono-Regular,Menlo,monospace}
code{background:#f0f2f5;padding:1px 4px;border-radius:3px}
h3{font-size:13px;margin:12px 0 4px}
table{border-collapse:collapse;width:100%;font-size:12px}
td,th{border-bottom:1px solid #eef0f3;padding:3px 6px;text-align:left;vertical-align:top}
th{color:var(--muted);font-weight:600}
details{margin:4px 0}
summary{cursor:pointer}
pre{max-height:260px;overflow:auto;background:#f8f9fb;padding:6px;margin:4px 0;
  font:12px ui-monospace,monospace;white-space:pre-wrap;word-break:break-all}
.trace{border:1px solid #eef0f3;border-radius:6px;margin:6px 0}
.trace h4{margin:0;padding:4px 8px;font-size:12px;font-weight:600;background:#f8f9fb;
  border-bottom:1px solid #eef0f3}
.trace h4 span{color:var(--muted);font-weight:400}
.wf{display:flex;flex-direction:column}
.row{all:unset;box-sizing:border-box;display:flex;align-items:center;min-height:22px;cursor:pointer;
  font-size:12px;width:100%}
.row:hover{background:#f0f4ff}
.row.match{background:var(--match)}
.row.hl{background:var(--hl)}
.row.sel{box-shadow:inset 0 0 0 2px var(--accent)}
.row:focus-visible{outline:2px solid var(--accent);outline-offset:-2px}
.label{width:36%;white-space:nowrap;overflow:hidden;text-overflow:ellipsis;padding-right:6px}
.mark{color:var(--fail);font-weight:700}
.kind{color:var(--muted);font-size:11px;margin-left:4px}
.track{position:relative;flex:1;height:12px;margin-right:8px}
.bar{position:absolute;top:0;height:12px;border-radius:3px;background:#4f6bed;min-width:2px}
.bar.ERROR{background:var(--fail)}
.row.hl .bar{outline:2px solid var(--fail)}
.dur{width:74px;text-align:right;color:var(--muted);padding-right:6px}
.detail{position:sticky;bottom:0;max-height:45vh;overflow:auto;border:1px solid var(--accent);
  border-radius:6px;margin:8px 0;padding:8px 10px;box-shadow:0 -4px 12px rgba(0,0,0,.08);
  background:#fbfcff}
.detail header{all:unset;display:flex;gap:8px;align-items:center}
.detail h3{margin:0;font-size:14px;flex:1}
.detail button.close{font:inherit;border:1px solid var(--line);background:#fff;border-radius:4px;
  cursor:pointer}
.kv td:first-child{width:32%;font-family:ui-monospace,monospace;color:#24407a}
.kv td{font-family:ui-monospace,monospace;word-break:break-all}
.st-ERROR{color:var(--fail);font-weight:700}
.st-OK{color:var(--pass);font-weight:700}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
`;

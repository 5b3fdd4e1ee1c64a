/// The `--format html` report: one self-contained page (no network) with the summary, two
/// inline-SVG charts (findings by subscriber, by code) and a sortable, filterable table.
///
/// Written in three pieces (``head(_:title:)``, ``row(_:)``, ``tail(shown:total:)``) so the
/// findings can stream from a spool file. Every cell holding text from a log or an agreement
/// carries `dir="auto"`, so Arabic credit lines, notice quotes and names lay out right to left
/// while the page stays left to right.
public enum HTMLReport {
    /// Table rows beyond this are left out of the page (the summary and charts still count them).
    public static let defaultMaximumRows = 5_000

    /// The table columns: key and header.
    static let tableColumns: [(key: String, title: String)] = [
        ("severity", "Severity"), ("code", "Code"), ("subscriber", "Subscriber"), ("at", "Time"),
        ("event", "Event / log line"), ("url", "Evidence"), ("agreement", "Agreement / clause"),
        ("message", "Finding"), ("remedy", "Remedy"),
    ]

    /// Everything up to and including the table's `<tbody>`.
    public static func head(_ s: AuditSummary, title: String = "Clearance usage audit") -> String {
        var o = """
        <!doctype html>
        <html lang="en" dir="ltr">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="clearance audit">
        <title>\(esc(title)) — \(s.findings) \(TextReport.plural(s.findings, "finding"))</title>
        <style>\(css)</style>
        </head>
        <body>
        <header>
        <h1>\(esc(title))</h1>
        <p class="meta">\(esc(s.files.joined(separator: ", ")))\(periodText(s))</p>
        </header>
        <section class="cards" aria-label="totals">

        """
        func card(_ label: String, _ n: Int, _ cls: String = "") -> String {
            "<div class=\"card \(cls)\"><span class=\"n\">\(n)</span><span class=\"l\">\(esc(label))</span></div>\n"
        }
        o += card("events audited", s.eventsAudited)
        o += card("clean", s.eventsClean, "ok")
        o += card("findings", s.findings)
        o += card("errors", s.errors, s.errors > 0 ? "err" : "")
        o += card("warnings", s.warnings, s.warnings > 0 ? "warn" : "")
        o += card("malformed lines", s.malformed, s.malformed > 0 ? "err" : "")
        if s.eventsFiltered > 0 { o += card("filtered out", s.eventsFiltered) }
        if s.outOfOrder > 0 { o += card("out of time order", s.outOfOrder, "warn") }
        o += "</section>\n"

        if s.findings > 0 {
            o += "<section class=\"charts\">\n"
            o += "<figure><figcaption>Findings by subscriber</figcaption>\n"
            let subs = s.worstOffenders(limit: 15).map {
                Bar(label: $0.subscriber, errors: $0.totals.errors, warnings: $0.totals.warnings)
            }
            o += chart(subs, title: "Findings by subscriber")
            let more = s.bySubscriber.values.filter { $0.findings > 0 }.count - subs.count
            if more > 0 { o += "<p class=\"note\">and \(more) more subscribers</p>" }
            o += "</figure>\n<figure><figcaption>Findings by code</figcaption>\n"
            let codes = s.codesByCount().map {
                Bar(label: $0.code.rawValue, errors: $0.code.severity == .error ? $0.count : 0,
                    warnings: $0.code.severity == .warning ? $0.count : 0)
            }
            o += chart(codes, title: "Findings by code")
            o += "</figure>\n</section>\n"
        }

        o += "<section class=\"findings\">\n<h2>Findings</h2>\n"
        o += "<div class=\"controls\"><label>Filter <input id=\"q\" type=\"search\" dir=\"auto\" placeholder=\"subscriber, url, code, text…\"></label>\n"
        o += "<label>Severity <select id=\"sev\"><option value=\"\">all</option><option>error</option><option>warning</option></select></label>\n"
        o += "<label>Code <select id=\"code\"><option value=\"\">all</option>"
        for (c, _) in s.codesByCount() { o += "<option>\(c.rawValue)</option>" }
        o += "</select></label>\n<span id=\"shown\" role=\"status\"></span></div>\n"
        o += "<div class=\"tablewrap\"><table id=\"t\"><thead><tr>"
        for (k, t) in tableColumns {
            o += "<th data-k=\"\(k)\" tabindex=\"0\" aria-sort=\"none\">\(esc(t))</th>"
        }
        o += "</tr></thead>\n<tbody>\n"
        return o
    }

    /// One table row.
    public static func row(_ f: Finding) -> String {
        var o = "<tr class=\"\(f.severity.rawValue)\" data-sev=\"\(f.severity.rawValue)\" data-code=\"\(f.code.rawValue)\">"
        o += "<td><span class=\"badge \(f.severity.rawValue)\">\(f.severity.rawValue)</span></td>"
        o += "<td><code>\(f.code.rawValue)</code></td>"
        o += "<td dir=\"auto\">\(esc(f.subscriber ?? ""))</td>"
        o += "<td class=\"time\">\(esc(f.at ?? ""))</td>"
        o += "<td><span dir=\"auto\">\(esc(f.event ?? ""))</span><div class=\"where\"><bdi>\(esc(f.file))</bdi>:\(f.line)</div></td>"
        o += "<td class=\"ev\">"
        if let u = f.url {
            if u.hasPrefix("https://") || u.hasPrefix("http://") {
                o += "<a href=\"\(esc(u))\" rel=\"noreferrer noopener\" dir=\"ltr\">\(esc(u))</a>"
            } else {
                o += "<span dir=\"auto\">\(esc(u))</span>"
            }
        }
        if f.expected != nil || f.found != nil {
            o += "<div class=\"duty\">expected <bdi>\(esc(f.expected ?? "—"))</bdi>, shown <bdi>\(esc(f.found ?? "none"))</bdi></div>"
        }
        o += "</td><td>"
        if let a = f.agreement { o += "<strong dir=\"auto\">\(esc(a))</strong> " }
        if let c = f.clause { o += "<span class=\"clause\">\(esc(c))</span>" }
        if let q = f.quote { o += "<blockquote dir=\"auto\">\(esc(q))</blockquote>" }
        o += "</td><td class=\"msg\" dir=\"auto\">\(esc(f.message))</td>"
        o += "<td class=\"msg\" dir=\"auto\">\(esc(f.remedy ?? ""))</td></tr>\n"
        return o
    }

    /// Closes the table and the page; says so when rows were left out.
    public static func tail(shown: Int, total: Int) -> String {
        var o = "</tbody></table></div>\n"
        if total == 0 { o += "<p class=\"none\">No findings: every use audited was covered and its duties met.</p>\n" }
        if shown < total {
            o += "<p class=\"note\">The table shows the first \(shown) of \(total) findings; the summary and charts count them all. Use <code>--format csv</code> or <code>--format jsonl</code> for the full list.</p>\n"
        }
        o += "</section>\n<footer>Generated by <code>clearance audit</code>. Self-contained: no network access needed.</footer>\n"
        o += "<script>\(script)</script>\n</body>\n</html>\n"
        return o
    }

    /// A bar of a chart: errors and warnings stacked.
    struct Bar {
        var label: String
        var errors: Int
        var warnings: Int
    }

    /// A horizontal stacked bar chart as inline SVG.
    static func chart(_ bars: [Bar], title: String) -> String {
        let labelWidth = 170.0, barArea = 270.0, rowH = 24.0, top = 8.0
        let width = labelWidth + barArea + 60
        let height = top * 2 + rowH * Double(max(bars.count, 1)) + 18
        let maxV = Double(max(bars.map { $0.errors + $0.warnings }.max() ?? 1, 1))
        var o = "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"\(esc(title))\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" width=\"\(fmt(width))\" height=\"\(fmt(height))\">\n"
        o += "<title>\(esc(title))</title>\n"
        for (k, b) in bars.enumerated() {
            let y = top + Double(k) * rowH
            let total = b.errors + b.warnings
            let we = barArea * Double(b.errors) / maxV
            let ww = barArea * Double(b.warnings) / maxV
            var label = b.label
            if label.count > 26 { label = String(label.prefix(25)) + "…" }
            o += "<g><title>\(esc(b.label)): \(b.errors) errors, \(b.warnings) warnings</title>"
            o += "<text x=\"\(fmt(labelWidth - 8))\" y=\"\(fmt(y + 16))\" text-anchor=\"end\" class=\"lbl\">\(esc(label))</text>"
            if b.errors > 0 {
                o += "<rect x=\"\(fmt(labelWidth))\" y=\"\(fmt(y + 4))\" width=\"\(fmt(max(we, 1)))\" height=\"16\" class=\"e\"/>"
            }
            if b.warnings > 0 {
                o += "<rect x=\"\(fmt(labelWidth + we))\" y=\"\(fmt(y + 4))\" width=\"\(fmt(max(ww, 1)))\" height=\"16\" class=\"w\"/>"
            }
            o += "<text x=\"\(fmt(labelWidth + we + ww + 6))\" y=\"\(fmt(y + 16))\" class=\"val\">\(total)</text></g>\n"
        }
        let ly = height - 8
        o += "<rect x=\"\(fmt(labelWidth))\" y=\"\(fmt(ly - 9))\" width=\"10\" height=\"10\" class=\"e\"/><text x=\"\(fmt(labelWidth + 14))\" y=\"\(fmt(ly))\" class=\"leg\">error</text>"
        o += "<rect x=\"\(fmt(labelWidth + 70))\" y=\"\(fmt(ly - 9))\" width=\"10\" height=\"10\" class=\"w\"/><text x=\"\(fmt(labelWidth + 84))\" y=\"\(fmt(ly))\" class=\"leg\">warning</text>\n"
        o += "</svg>\n"
        return o
    }

    static func fmt(_ d: Double) -> String {
        let r = (d * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    static func periodText(_ s: AuditSummary) -> String {
        guard let a = s.firstAt, let b = s.lastAt else { return "" }
        return a == b ? " · " + esc(a) : " · " + esc(a) + " → " + esc(b)
    }

    /// Escapes text for HTML element content and attribute values.
    public static func esc(_ s: String) -> String {
        var o = ""
        o.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": o += "&amp;"
            case "<": o += "&lt;"
            case ">": o += "&gt;"
            case "\"": o += "&quot;"
            case "'": o += "&#39;"
            default: o.unicodeScalars.append(ch)
            }
        }
        return o
    }

    static let css = """
    :root{--fg:#1d2125;--mut:#5f6b76;--bg:#fff;--line:#d9dee3;--err:#b3261e;--warn:#b26a00;--ok:#1e7b34}
    *{box-sizing:border-box}
    body{font-family:system-ui,"Segoe UI","Noto Sans","Noto Naskh Arabic","Noto Sans Arabic",Tahoma,Arial,sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:24px 32px;font-size:14px;line-height:1.45}
    h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:24px 0 8px}
    .meta{color:var(--mut);margin:0 0 16px;overflow-wrap:anywhere}
    .cards{display:flex;flex-wrap:wrap;gap:12px}
    .card{border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:120px}
    .card .n{display:block;font-size:24px;font-weight:600}.card .l{color:var(--mut)}
    .card.err .n{color:var(--err)}.card.warn .n{color:var(--warn)}.card.ok .n{color:var(--ok)}
    .charts{display:flex;flex-wrap:wrap;gap:24px;margin-top:16px;align-items:flex-start}
    figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:12px}
    figcaption{font-weight:600;margin-bottom:6px}
    svg .lbl,svg .val,svg .leg{font-size:12px;fill:var(--fg);font-family:inherit}
    svg .e{fill:var(--err)}svg .w{fill:var(--warn)}
    .controls{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin-bottom:8px}
    .controls input{padding:4px 8px;min-width:260px}
    #shown{color:var(--mut)}
    .tablewrap{overflow-x:auto}
    table{border-collapse:collapse;width:100%;font-size:13px}
    td.time{min-width:84px}td.msg{min-width:140px;max-width:230px}
    th,td{border-bottom:1px solid var(--line);padding:6px 8px;vertical-align:top;text-align:start}
    th{background:#f3f5f7;cursor:pointer;user-select:none;position:sticky;top:0;white-space:nowrap}
    th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
    td.ev{overflow-wrap:anywhere;min-width:130px;max-width:200px}.nowrap{white-space:nowrap}
    blockquote{max-width:200px}td code{font-size:11px}
    .badge{display:inline-block;border-radius:4px;padding:0 6px;color:#fff;font-size:12px}
    .badge.error{background:var(--err)}.badge.warning{background:var(--warn)}
    blockquote{margin:4px 0 0;padding:2px 8px;border-inline-start:3px solid var(--line);color:var(--mut)}
    .clause{color:var(--mut)}.duty{color:var(--mut);margin-top:2px}.where{color:var(--mut);font-size:12px;overflow-wrap:anywhere;max-width:140px}
    .note,.none,footer{color:var(--mut)}footer{margin-top:24px}
    code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12px}
    """

    static let script = """
    (function(){
    var t=document.getElementById('t');if(!t)return;var tb=t.tBodies[0];
    var rows=Array.prototype.slice.call(tb.rows);
    var q=document.getElementById('q'),sev=document.getElementById('sev'),code=document.getElementById('code'),shown=document.getElementById('shown');
    function norm(s){return s.toLocaleLowerCase('tr').normalize('NFD').replace(/[\\u0300-\\u036f]/g,'').replace(/ı/g,'i');}
    var texts=rows.map(function(r){return norm(r.textContent);});
    function apply(){var n=norm(q.value.trim()),s=sev.value,c=code.value,k=0;
    rows.forEach(function(r,i){var ok=(!s||r.dataset.sev===s)&&(!c||r.dataset.code===c)&&(!n||texts[i].indexOf(n)>=0);r.hidden=!ok;if(ok)k++;});
    shown.textContent=k+' of '+rows.length+' shown';}
    [q,sev,code].forEach(function(e){e.addEventListener('input',apply);});
    var ths=t.tHead.rows[0].cells;
    function sortBy(i){var th=ths[i],asc=th.getAttribute('aria-sort')!=='ascending';
    for(var j=0;j<ths.length;j++)ths[j].setAttribute('aria-sort','none');th.setAttribute('aria-sort',asc?'ascending':'descending');
    var idx=rows.map(function(r,k){return k;});
    idx.sort(function(a,b){var x=rows[a].cells[i],y=rows[b].cells[i],r;
    r=x.textContent.localeCompare(y.textContent,undefined,{numeric:true});
    if(r===0)r=a-b;return asc?r:-r;});
    var nr=[],nt=[];idx.forEach(function(k){nr.push(rows[k]);nt.push(texts[k]);tb.appendChild(rows[k]);});rows=nr;texts=nt;}
    for(var i=0;i<ths.length;i++)(function(i){ths[i].addEventListener('click',function(){sortBy(i);});
    ths[i].addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sortBy(i);}});})(i);
    apply();})();
    """
}

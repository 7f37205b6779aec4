// verify/FlameGraph.cpp: builds the merged call tree and writes the HTML
// (see FlameGraph.h). The tree goes into the page as JSON (parent index,
// name index, before and after samples, normalized costs); the script lays it
// out into an SVG on load and again on every zoom.
#include "verify/FlameGraph.h"

#include "core/Support.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>

namespace pgoctl::verify {

namespace {

struct Node {
  uint32_t Name = 0;
  int32_t Parent = -1;
  uint64_t Before = 0, After = 0;
  std::map<uint32_t, uint32_t> Children; ///< name -> node
};

const char *kStyle = R"CSS(
body { font-family: Verdana, Arial, sans-serif; margin: 8px; background: #fff; color: #222; }
h1 { font-size: 16px; margin: 4px 0; }
#bar { margin: 6px 0; font-size: 12px; }
#bar input { width: 260px; }
#info { font-size: 12px; height: 1.4em; white-space: nowrap; overflow: hidden; }
#legend span { display: inline-block; padding: 1px 6px; margin-right: 4px; }
svg text { font-size: 11px; pointer-events: none; fill: #000; }
svg rect { stroke: #fff; stroke-width: 0.5; cursor: pointer; }
svg rect.hit { stroke: #c000c0; stroke-width: 2; }
)CSS";

const char *kScript = R"JS(
(function () {
  var D = JSON.parse(document.getElementById('data').textContent);
  var svg = document.getElementById('fg'), info = document.getElementById('info');
  var NS = 'http://www.w3.org/2000/svg';
  var W = Math.max(600, window.innerWidth - 24), H = 17;
  var kids = D.nodes.map(function () { return []; });
  D.nodes.forEach(function (n, i) { if (n[1] >= 0) kids[n[1]].push(i); });
  var root = 0, search = null;
  function name(i) { return D.names[D.nodes[i][0]]; }
  function fmt(v) { return v === 0 ? '0' : (Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)); }
  // The color is the table's verdict on the frame's function (D.change: by
  // name index, [status, change in %]), so picture and table agree: red for a
  // real growth, blue for a real shrinkage, the deeper the larger (full color
  // at 2x or 1/2); grey for everything else (unchanged, undecided, inlining
  // churn).
  function change(i) {
    var c = D.change[D.nodes[i][0]];
    return c ? c : ['same', 0];
  }
  function color(i) {
    var c = change(i);
    if (c[0] !== 'regressed' && c[0] !== 'improved') return 'rgb(215,215,215)';
    if (c[1] === null) return 'rgb(220,40,40)';
    var r = Math.log(1 + c[1] / 100) / Math.log(2); // +1 at 2x, -1 at 1/2
    var t = Math.max(0.25, Math.min(1, Math.abs(r)));
    var k = Math.round(215 - 175 * t);
    return r > 0 ? 'rgb(235,' + k + ',' + k + ')' : 'rgb(' + k + ',' + k + ',235)';
  }
  // Width: the after-cost; a frame gone after keeps its before-cost.
  function width(i) { var n = D.nodes[i]; return n[3] > 0 ? n[5] : n[4]; }
  function depth(i) { var d = 0; while (D.nodes[i][1] >= 0 && i !== root) { i = D.nodes[i][1]; d++; } return d; }
  function maxDepth(i) { var m = 0; kids[i].forEach(function (k) { m = Math.max(m, 1 + maxDepth(k)); }); return m; }
  function describe(i) {
    var n = D.nodes[i], c = change(i);
    return D.full[n[0]] + ': after ' + fmt(n[5]) + ' ' + D.unit + ' (' + n[3] +
      ' samples), before ' + fmt(n[4]) + ' (' + n[2] + ' samples); verify: ' + c[0] +
      (c[0] === 'same' ? '' : ' ' + (c[1] === null ? 'new' : (c[1] >= 0 ? '+' : '') + c[1].toFixed(1) + '%')) +
      (n[3] === 0 ? ' (gone after: before width)' : '');
  }
  function draw() {
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var levels = maxDepth(root) + 1, total = width(root) || 1;
    svg.setAttribute('width', W); svg.setAttribute('height', levels * H + 4);
    // The path from the real root down to the zoomed frame, full width.
    var chain = [], j = root;
    while (j >= 0) { chain.unshift(j); j = D.nodes[j][1]; }
    var matched = 0;
    function put(i, x, w, lvl) {
      if (w < 0.5) return;
      var y = (levels - 1 - lvl) * H + 2;
      var g = document.createElementNS(NS, 'g');
      var t = document.createElementNS(NS, 'title'); t.textContent = describe(i); g.appendChild(t);
      var r = document.createElementNS(NS, 'rect');
      r.setAttribute('x', x); r.setAttribute('y', y); r.setAttribute('width', w);
      r.setAttribute('height', H - 1); r.setAttribute('fill', color(i));
      if (search && search.test(D.full[D.nodes[i][0]])) { r.setAttribute('class', 'hit'); }
      g.appendChild(r);
      if (w > 30) {
        var s = document.createElementNS(NS, 'text');
        s.setAttribute('x', x + 3); s.setAttribute('y', y + 12);
        var label = name(i), fit = Math.floor((w - 6) / 6.5);
        s.textContent = label.length <= fit ? label : label.substring(0, Math.max(0, fit - 2)) + '..';
        g.appendChild(s);
      }
      g.addEventListener('click', function () { root = i; draw(); });
      g.addEventListener('mouseover', function () { info.textContent = describe(i); });
      svg.appendChild(g);
    }
    function countHits(i, under) {
      var hit = search && search.test(D.full[D.nodes[i][0]]);
      if (hit && !under) matched += width(i);
      kids[i].forEach(function (k) { countHits(k, under || hit); });
    }
    function layout(i, x, w, lvl) {
      put(i, x, w, lvl);
      var cx = x, sum = 0;
      kids[i].forEach(function (k) { sum += width(k); });
      var den = Math.max(width(i), sum);
      kids[i].forEach(function (k) {
        var kw = den > 0 ? w * width(k) / den : 0;
        layout(k, cx, kw, lvl + 1); cx += kw;
      });
    }
    layout(root, 0, W, 0);
    if (search) {
      countHits(root, false);
      info.textContent = 'matched: ' + (100 * matched / total).toFixed(1) + '% of the after-cost shown';
    }
  }
  document.getElementById('reset').onclick = function () { root = 0; search = null; document.getElementById('q').value = ''; draw(); };
  document.getElementById('q').oninput = function (e) {
    var v = e.target.value;
    if (!v) { search = null; } else {
      try { search = new RegExp(v); } catch (x) { search = new RegExp(v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')); }
    }
    draw();
  };
  window.addEventListener('resize', function () { W = Math.max(600, window.innerWidth - 24); draw(); });
  draw();
})();
)JS";

std::string htmlEscape(llvm::StringRef S) {
  std::string O;
  for (char C : S)
    switch (C) {
    case '<': O += "&lt;"; break;
    case '>': O += "&gt;"; break;
    case '&': O += "&amp;"; break;
    case '"': O += "&quot;"; break;
    default: O += C;
    }
  return O;
}

} // namespace

void writeFlameGraph(const VerifyResult &R, const FlameGraphOptions &O, llvm::raw_ostream &OS) {
  // The merged tree; node 0 is the root ("all").
  std::vector<Node> Nodes(1);
  std::vector<std::string> NameList{"all"};
  llvm::DenseMap<uint32_t, uint32_t> NameIdx; // NameTable id -> NameList index
  for (const auto &[Path, Counts] : R.Folded) {
    uint32_t Cur = 0;
    Nodes[0].Before += Counts.first;
    Nodes[0].After += Counts.second;
    for (uint32_t Id : Path) {
      auto [NI, New] = NameIdx.try_emplace(Id, uint32_t(NameList.size()));
      if (New)
        NameList.push_back(R.Names->name(Id).str());
      auto [It, Added] = Nodes[Cur].Children.try_emplace(NI->second, uint32_t(Nodes.size()));
      if (Added) {
        Node N;
        N.Name = NI->second;
        N.Parent = int32_t(Cur);
        Nodes.push_back(std::move(N));
      }
      Cur = It->second;
      Nodes[Cur].Before += Counts.first;
      Nodes[Cur].After += Counts.second;
    }
  }
  // Emit in depth-first order, children by name, dropping frames too narrow
  // to see on both sides (vanished frames keep their before width).
  double Scale = R.CostScale;
  uint64_t MinAfter = uint64_t(double(Nodes[0].After) * O.MinWidthFraction);
  uint64_t MinBefore = uint64_t(double(Nodes[0].Before) * O.MinWidthFraction);
  unsigned Vanished = 0;
  nlohmann::json JNodes = nlohmann::json::array();
  std::vector<std::pair<uint32_t, int32_t>> Work{{0, -1}}; // node, emitted parent
  while (!Work.empty()) {
    auto [I, Parent] = Work.back();
    Work.pop_back();
    const Node &N = Nodes[I];
    if (I != 0 && (N.After ? N.After < MinAfter : N.Before < MinBefore || N.Before == 0))
      continue;
    Vanished += I != 0 && N.After == 0;
    int32_t Me = int32_t(JNodes.size());
    JNodes.push_back({N.Name, Parent, N.Before, N.After,
                      double(N.Before) / R.Before.Exposure * Scale,
                      double(N.After) / R.After.Exposure * Scale});
    // Children pushed in reverse name order so they come out by name.
    std::vector<std::pair<std::string, uint32_t>> Kids;
    for (const auto &[Name, C] : N.Children)
      Kids.emplace_back(NameList[Name], C);
    std::sort(Kids.rbegin(), Kids.rend());
    for (const auto &[Name, C] : Kids)
      Work.emplace_back(C, Me);
  }
  // The table's verdict per function (Self: the status column), by name.
  llvm::StringMap<const FunctionResult *> ByName;
  for (const FunctionResult &F : R.Functions)
    ByName[F.Name] = &F;
  nlohmann::json Change = nlohmann::json::array();
  std::vector<std::string> Short;
  for (const std::string &N : NameList) {
    Short.push_back(briefName(N));
    const FunctionResult *F = ByName.lookup(N);
    if (!F || F->InlineChurn ||
        (F->Self.Status != ChangeStatus::Regressed && F->Self.Status != ChangeStatus::Improved)) {
      Change.push_back({"same", 0});
      continue;
    }
    double Pct = F->Self.pct();
    Change.push_back({statusName(F->Self.Status),
                      std::isinf(Pct) ? nlohmann::json(nullptr) : nlohmann::json(Pct)});
  }
  nlohmann::ordered_json Data; // names first: tests and readers find them at the top
  Data["names"] = Short;
  Data["full"] = NameList;
  Data["change"] = Change;
  Data["nodes"] = JNodes;
  Data["unit"] = R.CostUnit;
  std::string Json = Data.dump();
  // Keep "</script>" (and "<!--") out of the script element.
  for (size_t P = 0; (P = Json.find("</", P)) != std::string::npos; P += 3)
    Json.replace(P, 2, "<\\/");
  for (size_t P = 0; (P = Json.find("<!--", P)) != std::string::npos; P += 5)
    Json.replace(P, 4, "<\\!--");

  OS << "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n<title>"
     << htmlEscape(O.Title) << "</title>\n<style>" << kStyle << "</style></head>\n<body>\n";
  OS << "<h1>" << htmlEscape(O.Title) << "</h1>\n";
  OS << "<div>" << htmlEscape(R.Summary) << "</div>\n";
  OS << "<div id=\"legend\" style=\"font-size:12px;margin-top:4px\">width: after-cost ("
     << htmlEscape(R.CostUnit) << "); color: the table's verdict on the function "
     << "(self cost against the rest of the profile) "
     << "<span style=\"background:rgb(235,40,40)\">2x or more</span>"
     << "<span style=\"background:rgb(235,150,150)\">grew for real</span>"
     << "<span style=\"background:rgb(215,215,215)\">no real change</span>"
     << "<span style=\"background:rgb(150,150,235)\">shrank for real</span>"
     << "<span style=\"background:rgb(40,40,235);color:#fff\">1/2 or less</span>";
  if (Vanished)
    OS << " (" << Vanished << " frames gone after: drawn at their before width)";
  OS << "</div>\n";
  OS << "<div id=\"bar\">search: <input id=\"q\" placeholder=\"name or regular expression\"> "
        "<button id=\"reset\">reset zoom</button> (click a frame to zoom)</div>\n";
  OS << "<div id=\"info\"></div>\n<svg id=\"fg\" xmlns=\"http://www.w3.org/2000/svg\"></svg>\n";
  OS << "<script type=\"application/json\" id=\"data\">" << Json << "</script>\n";
  OS << "<script>" << kScript << "</script>\n</body></html>\n";
}

llvm::Error writeFlameGraphFile(const VerifyResult &R, const FlameGraphOptions &O,
                                llvm::StringRef Path) {
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  writeFlameGraph(R, O, OS);
  OS.flush();
  return writeFileAtomic(Path, Text);
}

} // namespace pgoctl::verify

// tests/lit/Inputs/pprof_from_perf_script.cjs: an independent pprof writer
// for pgoctl's tests. Turns `perf script -F comm,pid,ip,sym,symoff,dso
// --show-mmap-events` output of a `perf record -g` recording into a pprof
// profile written by npm pprof-format (not by pgoctl, not with its .proto).
//
// perf script prints user-space frames as file offsets in their DSO
// (ip - mmap start + pgoff) and kernel frames as kernel addresses. Modes:
//   runtime  pprof's convention (Go, Parca): location.address is the runtime
//            address, start + offset - pgoff, inside the mapping's
//            [memory_start, memory_limit), file_offset = pgoff;
//   vaddr    the OpenTelemetry eBPF profiler's convention: location.address
//            is the ELF virtual address (offset to vaddr through the DSO's
//            PT_LOAD headers as `readelf -lW` prints them, or --segments),
//            the mapping keeps its runtime start and limit;
//   names    no addresses: locations carry function names only.
// Sample types are samples/count and cpu/nanoseconds (count x --period-ns).
// --break WHAT writes a damaged profile for the error tests: an out-of-range
// sample location id, location mapping id, line function id or string index.
//
// Usage: node pprof_from_perf_script.cjs --npm-prefix DIR --mode M
//          [--buildids FILE] [--segments DSO=OFF:VADDR:SIZE[,...]]...
//          [--period-ns N] [--gzip] [--break WHAT] -o OUT < script.txt
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const { execFileSync } = require('child_process');
const { createRequire } = require('module');

const args = { segments: [], periodNs: 1000000, gzip: false };
for (let i = 2; i < process.argv.length; ++i) {
  const a = process.argv[i];
  const next = () => process.argv[++i];
  if (a === '--npm-prefix') args.prefix = next();
  else if (a === '--mode') args.mode = next();
  else if (a === '--buildids') args.buildids = next();
  else if (a === '--segments') args.segments.push(next());
  else if (a === '--period-ns') args.periodNs = Number(next());
  else if (a === '--gzip') args.gzip = true;
  else if (a === '--break') args.brk = next();
  else if (a === '-o') args.out = next();
  else throw new Error(`unknown argument ${a}`);
}
if (!args.prefix || !args.out || !['runtime', 'vaddr', 'names'].includes(args.mode))
  throw new Error('usage: --npm-prefix DIR --mode runtime|vaddr|names -o OUT');
const pf = createRequire(path.join(path.resolve(args.prefix), 'node_modules', 'x.js'))('pprof-format');

// Build-ids: `perf buildid-list` lines "<hex> <path>".
const buildIds = new Map();
if (args.buildids)
  for (const line of fs.readFileSync(args.buildids, 'utf8').split('\n')) {
    const m = line.match(/^([0-9a-f]+)\s+(.*)$/);
    if (m) buildIds.set(m[2], m[1]);
  }

// PT_LOAD segments per DSO: --segments, else readelf -lW.
const segments = new Map();
for (const s of args.segments) {
  const [dso, list] = s.split('=');
  segments.set(dso, list.split(',').map((t) => {
    const [off, vaddr, size] = t.split(':').map((x) => BigInt(x));
    return { off, vaddr, size };
  }));
}
function segmentsOf(dso) {
  if (!segments.has(dso)) {
    let list = [];
    if (!dso.startsWith('[') && fs.existsSync(dso)) {
      const out = execFileSync('readelf', ['-lW', dso], { encoding: 'utf8' });
      for (const line of out.split('\n')) {
        const m = line.match(/^\s*LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+\S+\s+(0x[0-9a-f]+)/);
        if (m) list.push({ off: BigInt(m[1]), vaddr: BigInt(m[2]), size: BigInt(m[3]) });
      }
    }
    segments.set(dso, list);
  }
  return segments.get(dso);
}

// Parse: mmap events and samples (a header line, then frames, leaf first).
const mmaps = []; // { start, len, pgoff, dso }
const samples = []; // [ { addr: BigInt, sym, dso } ]
let cur = null;
for (const line of fs.readFileSync(0, 'utf8').split('\n')) {
  const mm = line.match(/PERF_RECORD_MMAP2? .*\[(0x[0-9a-f]+)\((0x[0-9a-f]+)\) @ (0x[0-9a-f]+|\d+)[^\]]*\]: \S+ (.*)$/);
  if (mm) {
    mmaps.push({ start: BigInt(mm[1]), len: BigInt(mm[2]), pgoff: BigInt(mm[3]), dso: mm[4] });
    continue;
  }
  const fr = line.match(/^\s+([0-9a-f]+) (.*) \((.*)\)$/);
  if (fr && cur) {
    const sym = fr[2].replace(/\+0x[0-9a-f]+$/, '');
    cur.push({ addr: BigInt('0x' + fr[1]), sym, dso: fr[3] });
    continue;
  }
  if (line.trim() === '') { cur = null; continue; }
  cur = [];
  samples.push(cur);
}

// The profile.
const st = new pf.StringTable();
const mappings = [], locations = [], functions = [];
const mappingByKey = new Map(), locationByKey = new Map(), functionByName = new Map();
const isKernel = (dso) => dso.startsWith('[kernel.kallsyms]');

function mappingFor(frame) {
  if (isKernel(frame.dso)) {
    const key = 'kernel';
    if (!mappingByKey.has(key)) {
      const m = new pf.Mapping({ id: mappings.length + 1, memoryStart: 0, memoryLimit: 0,
                                 fileOffset: 0, filename: st.dedup('[kernel.kallsyms]'),
                                 buildId: st.dedup(buildIds.get('[kernel.kallsyms]') || '') });
      mappings.push(m);
      mappingByKey.set(key, m);
    }
    return { m: mappingByKey.get(key), mm: null };
  }
  // The DSO's mmap that holds this file offset (the newest one, as perf).
  let mm = null;
  for (const x of mmaps)
    if (x.dso === frame.dso && frame.addr >= x.pgoff && frame.addr < x.pgoff + x.len) mm = x;
  if (!mm) return null;
  const key = `${mm.dso}@${mm.start}`;
  if (!mappingByKey.has(key)) {
    const m = new pf.Mapping({ id: mappings.length + 1, memoryStart: mm.start,
                               memoryLimit: mm.start + mm.len, fileOffset: mm.pgoff,
                               filename: st.dedup(mm.dso), buildId: st.dedup(buildIds.get(mm.dso) || ''),
                               hasFunctions: true });
    mappings.push(m);
    mappingByKey.set(key, m);
  }
  return { m: mappingByKey.get(key), mm };
}

function functionFor(name) {
  if (!functionByName.has(name)) {
    const f = new pf.Function({ id: functions.length + 1, name: st.dedup(name),
                                systemName: st.dedup(name) });
    functions.push(f);
    functionByName.set(name, f);
  }
  return functionByName.get(name);
}

function locationFor(frame) {
  const known = frame.dso !== '[unknown]';
  const mp = known ? mappingFor(frame) : null;
  let address = frame.addr;
  if (mp && mp.mm) {
    if (args.mode === 'runtime') address = mp.mm.start + frame.addr - mp.mm.pgoff;
    else if (args.mode === 'vaddr') {
      // A DSO without a file ([vdso]) keeps its offset: nothing to map it with.
      const segs = segmentsOf(frame.dso);
      const seg = segs.find((s) => frame.addr >= s.off && frame.addr < s.off + s.size);
      if (segs.length && !seg) throw new Error(`${frame.dso}: offset ${frame.addr.toString(16)} in no PT_LOAD`);
      if (seg) address = frame.addr - seg.off + seg.vaddr;
    }
  }
  const withName = frame.sym !== '[unknown]';
  if (args.mode === 'names') {
    if (!withName) return null;
    address = 0n;
  }
  const key = `${mp ? mp.m.id : 0}:${address}:${args.mode === 'names' ? frame.sym : ''}`;
  if (!locationByKey.has(key)) {
    const line = withName ? [new pf.Line({ functionId: functionFor(frame.sym).id })] : [];
    const l = new pf.Location({ id: locations.length + 1, mappingId: mp ? mp.m.id : 0,
                                address, line });
    locations.push(l);
    locationByKey.set(key, l);
  }
  return locationByKey.get(key);
}

const counts = new Map(); // location ids joined -> count
for (const s of samples) {
  const ids = [];
  for (const f of s) {
    const l = locationFor(f);
    if (l) ids.push(l.id);
  }
  const key = ids.join(',');
  counts.set(key, (counts.get(key) || 0) + 1);
}
const sample = [];
for (const [key, n] of counts) {
  const ids = key === '' ? [] : key.split(',').map(Number);
  sample.push(new pf.Sample({ locationId: ids, value: [n, n * args.periodNs] }));
}

if (args.brk === 'sample-location') sample[0].locationId[0] = locations.length + 100;
else if (args.brk === 'mapping-id') locations[0].mappingId = mappings.length + 100;
else if (args.brk === 'function-id') locations.find((l) => l.line.length).line[0].functionId = functions.length + 100;
else if (args.brk === 'string-index') functions[0].name = 100000;
else if (args.brk) throw new Error(`unknown --break ${args.brk}`);

const profile = new pf.Profile({
  sampleType: [new pf.ValueType({ type: st.dedup('samples'), unit: st.dedup('count') }),
               new pf.ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') })],
  periodType: new pf.ValueType({ type: st.dedup('cpu'), unit: st.dedup('nanoseconds') }),
  period: args.periodNs,
  sample, mapping: mappings, location: locations, function: functions,
  stringTable: st,
});
let bytes = profile.encode();
if (args.gzip) bytes = zlib.gzipSync(bytes);
fs.writeFileSync(args.out, bytes);

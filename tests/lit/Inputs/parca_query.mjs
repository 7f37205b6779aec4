// tests/lit/Inputs/parca_query.mjs: an independent Parca client for the
// tests: npm @parca/client's QueryServiceClient over @protobuf-ts's gRPC-Web
// transport (what Parca's own UI uses), not pgoctl and not our server's code.
// Runs one merge query with the pprof report and writes the report's bytes
// (gzip-compressed pprof) to OUT; prints the response's total, or the gRPC
// status code and message of an error.
//
// Usage: node parca_query.mjs NPM_PREFIX PORT QUERY OUT [BEARER_TOKEN]
// The time range is the last hour, or PARCA_QUERY_START_MS..PARCA_QUERY_END_MS
// (milliseconds since 1970) when set.
//
// @parca/client ships ES modules whose relative imports have no file
// extension (they are meant for bundlers); a resolve hook adds ".js".
import { register } from 'node:module';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const hooks = `export async function resolve(s, c, next) {
  try { return await next(s, c); } catch (e) {
    if (e.code === 'ERR_MODULE_NOT_FOUND' && s.startsWith('.') && !s.endsWith('.js'))
      return next(s + '.js', c);
    throw e;
  }
}`;
register('data:text/javascript,' + encodeURIComponent(hooks));

const [prefix, port, query, out, token] = process.argv.slice(2);
const mod = (p) => import(pathToFileURL(path.join(path.resolve(prefix), 'node_modules', p)).href);
const parca = await mod('@parca/client/dist/index.js');
const { GrpcWebFetchTransport } = await mod('@protobuf-ts/grpcweb-transport/build/commonjs/index.js');

const transport = new GrpcWebFetchTransport({ baseUrl: `http://127.0.0.1:${port}`, format: 'binary' });
const client = new parca.QueryServiceClient(transport);
const now = Date.now();
const startMs = Number(process.env.PARCA_QUERY_START_MS ?? now - 3600 * 1000);
const endMs = Number(process.env.PARCA_QUERY_END_MS ?? now);
const meta = token ? { authorization: `Bearer ${token}` } : {};
try {
  const { response } = await client.query(parca.QueryRequest.create({
    mode: parca.QueryRequest_Mode.MERGE,
    options: { oneofKind: 'merge', merge: {
      query,
      start: parca.Timestamp.fromDate(new Date(startMs)),
      end: parca.Timestamp.fromDate(new Date(endMs)) } },
    reportType: parca.QueryRequest_ReportType.PPROF,
  }), { meta });
  if (response.report.oneofKind !== 'pprof') throw new Error(`report ${response.report.oneofKind}`);
  writeFileSync(out, response.report.pprof);
  console.log(`total ${response.total}`);
} catch (e) {
  console.log(`error ${e.code} ${e.message}`);
  if (process.env.PARCA_QUERY_DEBUG) console.log(e.stack);
}

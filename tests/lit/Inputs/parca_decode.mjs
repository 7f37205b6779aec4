// tests/lit/Inputs/parca_decode.mjs: decodes parca.query.v1alpha1.QueryRequest
// messages with npm @parca/client's own generated code (protobuf-ts), not
// pgoctl's and not the test server's, and prints each as one line of JSON
// (protobuf's JSON mapping; unknown fields, which that mapping drops, are
// listed under "unknownFields" by field number).
//
// Usage: node parca_decode.mjs NPM_PREFIX FILE...
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
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

const [prefix, ...files] = process.argv.slice(2);
const mod = (p) => import(pathToFileURL(path.join(path.resolve(prefix), 'node_modules', p)).href);
const parca = await mod('@parca/client/dist/index.js');
const rt = await mod('@protobuf-ts/runtime/build/commonjs/index.js');

const unknown = (m) => {
  const out = [];
  const walk = (x) => {
    if (!x || typeof x !== 'object') return;
    for (const u of rt.UnknownFieldHandler.list(x)) out.push(u.no);
    for (const v of Object.values(x)) walk(v);
  };
  walk(m);
  return out;
};
for (const f of files) {
  const msg = parca.QueryRequest.fromBinary(readFileSync(f));
  const json = parca.QueryRequest.toJson(msg);
  json.unknownFields = unknown(msg);
  console.log(JSON.stringify(json));
}

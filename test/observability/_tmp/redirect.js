const Module = require('module');
const path = require('path');
const original = Module._resolveFilename;
const target = path.resolve(__dirname, 'app.ts');
const real = path.resolve(__dirname, '../../../server/app.ts');
Module._resolveFilename = function (request, parent, ...rest) {
  const resolved = original.call(this, request, parent, ...rest);
  if (resolved === real && parent && parent.filename !== target) return target;
  return resolved;
};

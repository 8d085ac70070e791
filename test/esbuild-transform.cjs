// Jest transformer: TypeScript (and jose's ES modules) to CommonJS with esbuild, which the
// project already uses for its bundles. Type-checking is tsc's job, before jest runs.
const { transformSync } = require('esbuild');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: filename.endsWith('.ts') ? 'ts' : 'js',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'external',
      sourcefile: filename,
    });
    return { code, map };
  },
};

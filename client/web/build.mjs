// Bundles the page into dist/ (git-ignored): src/main.ts and what it imports (the generated client,
// connect-es, protobuf-es) into one minified dist/main.js, beside index.html and style.css.
// Type checking is `tsc -p .` (npm run check); esbuild only strips the types.
import { copyFileSync, mkdirSync } from "node:fs";
import { build } from "esbuild";

const here = new URL(".", import.meta.url).pathname;
mkdirSync(`${here}dist`, { recursive: true });
await build({
  entryPoints: [`${here}src/main.ts`],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "esm",
  target: "es2022",
  outfile: `${here}dist/main.js`,
  logLevel: "warning",
});
for (const file of ["index.html", "style.css"]) copyFileSync(`${here}${file}`, `${here}dist/${file}`);

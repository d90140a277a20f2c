// Bundles the page into dist/ (git-ignored): src/main.ts and what it imports (the generated client,
// connect-es, protobuf-es) into one minified dist/main.js, beside index.html and style.css.
// `node build.mjs test` bundles the Chromium test instead (test/page.test.ts into
// dist-test/page.test.mjs, for Node, its packages left to node_modules).
// Type checking is `npm run check` (tsc); esbuild only strips the types.
import { copyFileSync, mkdirSync } from "node:fs";
import { build } from "esbuild";

const here = new URL(".", import.meta.url).pathname;
if (process.argv[2] === "test") {
  await build({
    entryPoints: [`${here}test/page.test.ts`],
    bundle: true,
    platform: "node",
    packages: "external",
    format: "esm",
    target: "node20",
    outfile: `${here}dist-test/page.test.mjs`,
    logLevel: "warning",
  });
} else {
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
}

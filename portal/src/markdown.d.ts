/** Markdown files are bundled as their text (esbuild's text loader, scripts/build.ts). */
declare module '*.md' {
  const text: string;
  export default text;
}

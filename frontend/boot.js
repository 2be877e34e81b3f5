// Starts the web app. trunk would inline these lines into index.html, but the
// Content-Security-Policy allows no inline script, so they live in this file
// (see `pattern_script` in Trunk.toml, which writes the tag that loads it).
const tag = document.querySelector("script[data-wasm]");
const { default: init } = await import(tag.dataset.js);
await init({ module_or_path: tag.dataset.wasm });

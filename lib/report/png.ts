/** PNG export of report figures with resvg (Rust SVG renderer; no browser needed). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';

/** Writes `<dir>/<name>.png` for each figure at `scale`× the SVG size; returns the paths written. */
export async function writePngs(figures: readonly { name: string; svg: string }[], dir: string, scale = 2): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const { name, svg } of figures) {
    const png = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: scale },
      background: 'white',
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
    })
      .render()
      .asPng();
    const path = join(dir, `${name}.png`);
    await writeFile(path, png);
    paths.push(path);
  }
  return paths;
}

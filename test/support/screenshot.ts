/**
 * Checks on a page's screenshot itself, not only its DOM: a chart that the DOM holds but
 * the browser does not paint (zero-height bars, a colour lost to CSS, an element pushed off
 * the page) shows up here. Counts the pixels of given colours inside a region, decoding
 * the PNG in a second, script-enabled blank page (the page under test runs no script).
 */
import type { Browser } from 'playwright-core';

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A bounding box as playwright gives it (fractional CSS pixels), as whole screenshot pixels. */
export function regionOf(box: Region): Region {
  return { x: Math.round(box.x), y: Math.round(box.y), width: Math.round(box.width), height: Math.round(box.height) };
}

/** Pixels within `tolerance` (per channel) of each `#rrggbb` colour, in `region` of `png`. */
export async function countColours(browser: Browser, png: Buffer, colours: string[], region?: Region, tolerance = 12): Promise<Record<string, number>> {
  const page = await browser.newPage();
  try {
    return await page.evaluate(
      async ({ dataUrl, colours, region, tolerance }) => {
        const img = new Image();
        img.src = dataUrl;
        await img.decode();
        const r = region ?? { x: 0, y: 0, width: img.width, height: img.height };
        const canvas = document.createElement('canvas');
        canvas.width = r.width;
        canvas.height = r.height;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, r.x, r.y, r.width, r.height, 0, 0, r.width, r.height);
        const data = ctx.getImageData(0, 0, r.width, r.height).data;
        const wanted = colours.map((c) => [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)]);
        const counts: Record<string, number> = Object.fromEntries(colours.map((c) => [c, 0]));
        for (let i = 0; i < data.length; i += 4) {
          wanted.forEach(([R, G, B], k) => {
            if (Math.abs(data[i]! - R!) <= tolerance && Math.abs(data[i + 1]! - G!) <= tolerance && Math.abs(data[i + 2]! - B!) <= tolerance) counts[colours[k]!]!++;
          });
        }
        return counts;
      },
      { dataUrl: `data:image/png;base64,${png.toString('base64')}`, colours, region: region ?? null, tolerance },
    );
  } finally {
    await page.close();
  }
}

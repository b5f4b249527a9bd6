// Decodes a ThumbHash (https://evanw.github.io/thumbhash/, the format Immich stores) into a small
// RGBA image: a DC colour per channel plus a few cosine terms, drawn as a blurred preview.

function channel(hash, start, index, nx, ny, scale) {
  const ac = [];
  for (let cy = 0; cy < ny; cy++) {
    for (let cx = cy ? 0 : 1; cx * ny < nx * (ny - cy); cx++) {
      const byte = hash[start + (index.i >> 1)];
      const nibble = (byte >> ((index.i & 1) << 2)) & 15;
      index.i++;
      ac.push((nibble / 7.5 - 1) * scale);
    }
  }
  return ac;
}

export function aspectRatio(hash) {
  const hasAlpha = hash[2] & 0x80;
  const isLandscape = hash[4] & 0x80;
  const lx = isLandscape ? (hasAlpha ? 5 : 7) : hash[3] & 7;
  const ly = isLandscape ? hash[3] & 7 : hasAlpha ? 5 : 7;
  return lx / ly;
}

export function toRGBA(hash) {
  const h24 = hash[0] | (hash[1] << 8) | (hash[2] << 16);
  const h16 = hash[3] | (hash[4] << 8);
  const lDc = (h24 & 63) / 63;
  const pDc = ((h24 >> 6) & 63) / 31.5 - 1;
  const qDc = ((h24 >> 12) & 63) / 31.5 - 1;
  const lScale = ((h24 >> 18) & 31) / 31;
  const hasAlpha = h24 >> 23;
  const pScale = ((h16 >> 3) & 63) / 63;
  const qScale = ((h16 >> 9) & 63) / 63;
  const isLandscape = h16 >> 15;
  const lx = Math.max(3, isLandscape ? (hasAlpha ? 5 : 7) : h16 & 7);
  const ly = Math.max(3, isLandscape ? h16 & 7 : hasAlpha ? 5 : 7);
  const aDc = hasAlpha ? (hash[5] & 15) / 15 : 1;
  const aScale = (hash[5] >> 4) / 15;
  const start = hasAlpha ? 6 : 5;
  const index = { i: 0 };
  const lAc = channel(hash, start, index, lx, ly, lScale);
  const pAc = channel(hash, start, index, 3, 3, pScale * 1.25);
  const qAc = channel(hash, start, index, 3, 3, qScale * 1.25);
  const aAc = hasAlpha ? channel(hash, start, index, 5, 5, aScale) : null;

  const ratio = aspectRatio(hash);
  const w = Math.round(ratio > 1 ? 32 : 32 * ratio);
  const h = Math.round(ratio > 1 ? 32 / ratio : 32);
  const rgba = new Uint8ClampedArray(w * h * 4);
  const cxStop = Math.max(lx, hasAlpha ? 5 : 3);
  const cyStop = Math.max(ly, hasAlpha ? 5 : 3);
  // The cosines depend on x or on y alone: computed once per column and per row.
  const fxs = Array.from({ length: w }, (_, x) =>
    Float64Array.from({ length: cxStop }, (_, cx) => Math.cos((Math.PI / w) * (x + 0.5) * cx)),
  );
  const fys = Array.from({ length: h }, (_, y) =>
    Float64Array.from({ length: cyStop }, (_, cy) => Math.cos((Math.PI / h) * (y + 0.5) * cy)),
  );
  for (let y = 0, i = 0; y < h; y++) {
    const fy = fys[y];
    for (let x = 0; x < w; x++, i += 4) {
      let l = lDc, p = pDc, q = qDc, a = aDc;
      const fx = fxs[x];
      for (let cy = 0, j = 0; cy < ly; cy++) {
        const fy2 = fy[cy] * 2;
        for (let cx = cy ? 0 : 1; cx * ly < lx * (ly - cy); cx++, j++) l += lAc[j] * fx[cx] * fy2;
      }
      for (let cy = 0, j = 0; cy < 3; cy++) {
        const fy2 = fy[cy] * 2;
        for (let cx = cy ? 0 : 1; cx < 3 - cy; cx++, j++) {
          const f = fx[cx] * fy2;
          p += pAc[j] * f;
          q += qAc[j] * f;
        }
      }
      if (aAc) {
        for (let cy = 0, j = 0; cy < 5; cy++) {
          const fy2 = fy[cy] * 2;
          for (let cx = cy ? 0 : 1; cx < 5 - cy; cx++, j++) a += aAc[j] * fx[cx] * fy2;
        }
      }
      const b = l - (2 / 3) * p;
      const r = (3 * l - b + q) / 2;
      const g = r - q;
      rgba[i] = 255 * r;
      rgba[i + 1] = 255 * g;
      rgba[i + 2] = 255 * b;
      rgba[i + 3] = 255 * a;
    }
  }
  return { w, h, rgba };
}

/// The decoded preview as a `data:` URL of an uncompressed 24-bit BMP, for a tile's CSS
/// background: no canvas and no image encoder, so a placeholder costs microseconds (a canvas
/// and its PNG encoding cost about a millisecond each). Transparency is dropped.
export function toDataURL(base64) {
  const hash = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const { w, h, rgba } = toRGBA(hash);
  const stride = (w * 3 + 3) & ~3;
  const size = 54 + stride * h;
  const bmp = new Uint8Array(size);
  const view = new DataView(bmp.buffer);
  bmp[0] = 0x42; // "BM"
  bmp[1] = 0x4d;
  view.setUint32(2, size, true);
  view.setUint32(10, 54, true); // pixels follow the two headers
  view.setUint32(14, 40, true); // BITMAPINFOHEADER
  view.setInt32(18, w, true);
  view.setInt32(22, -h, true); // negative: rows top to bottom
  view.setUint16(26, 1, true);
  view.setUint16(28, 24, true);
  for (let y = 0; y < h; y++) {
    for (let x = 0, o = 54 + y * stride, i = y * w * 4; x < w; x++, o += 3, i += 4) {
      bmp[o] = rgba[i + 2];
      bmp[o + 1] = rgba[i + 1];
      bmp[o + 2] = rgba[i];
    }
  }
  let binary = "";
  for (let i = 0; i < size; i += 4096) binary += String.fromCharCode(...bmp.subarray(i, i + 4096));
  return `data:image/bmp;base64,${btoa(binary)}`;
}

/// The picture's average colour (the hash's DC terms) as a CSS colour: what a tile shows while it
/// flies past in a fling, for the price of three bytes read (no image to decode, parse or scale).
export function averageColor(base64) {
  if (!base64 || base64.length < 4) return null;
  const head = atob(base64.slice(0, 4)); // 4 characters: the first 3 bytes, the DC terms
  const h24 = head.charCodeAt(0) | (head.charCodeAt(1) << 8) | (head.charCodeAt(2) << 16);
  const l = (h24 & 63) / 63;
  const p = ((h24 >> 6) & 63) / 31.5 - 1;
  const q = ((h24 >> 12) & 63) / 31.5 - 1;
  const b = l - (2 / 3) * p;
  const r = (3 * l - b + q) / 2;
  const g = r - q;
  const byte = (v) => Math.max(0, Math.min(255, Math.round(255 * v)));
  return `rgb(${byte(r)} ${byte(g)} ${byte(b)})`;
}

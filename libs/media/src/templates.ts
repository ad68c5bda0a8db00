import { createHash } from 'node:crypto';
import { SKRSContext2D } from '@napi-rs/canvas';
import { MemeCaption } from './media.types';

/** A number in [0, 1), from a generator seeded by the caption. */
type Random = () => number;

/**
 * Paints a template's scene over the whole `width` × `height` canvas. The art sits mostly in the
 * middle 40 %, between the caption boxes, and is original: shapes, gradients and simple figures.
 */
type Scene = (ctx: SKRSContext2D, width: number, height: number, random: Random) => void;

const SCENES: Readonly<Record<string, Scene>> = {
  'one-does-not-simply': volcanoAtDusk,
  'brace-yourselves': winterWall,
  'keep-calm': crownPoster,
  nobody: emptyRoom,
  'is-this': butterflyWatcher,
  'what-if-i-told-you': sunglassesInTheRain,
  'success-kid': victoryFist,
  'not-sure-if': squintingEyes,
};

/**
 * Paints the background of `caption`'s template (a generic one for an unknown id). Colours and
 * positions vary with a generator seeded from the whole caption, so one caption always gives the
 * same picture and two captions on the same template still look different.
 */
export function drawTemplate(ctx: SKRSContext2D, caption: MemeCaption, width: number, height: number): void {
  const scene = Object.hasOwn(SCENES, caption.template) ? SCENES[caption.template] : abstractBokeh;
  ctx.save();
  scene(ctx, width, height, seededRandom(caption));
  ctx.restore();
}

/** mulberry32: tiny, fast and good enough for picking colours; seeded from a hash of the caption. */
function seededRandom(caption: MemeCaption): Random {
  let state = createHash('sha256')
    .update(`${caption.template}\u0000${caption.top}\u0000${caption.bottom}`)
    .digest()
    .readUInt32BE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function between(random: Random, low: number, high: number): number {
  return low + random() * (high - low);
}

function verticalGradient(ctx: SKRSContext2D, height: number, stops: readonly string[]) {
  const gradient = ctx.createLinearGradient(0, 0, 0, height);
  stops.forEach((color, index) => gradient.addColorStop(index / (stops.length - 1), color));
  return gradient;
}

function fillBackground(ctx: SKRSContext2D, width: number, height: number, stops: readonly string[]): void {
  ctx.fillStyle = verticalGradient(ctx, height, stops);
  ctx.fillRect(0, 0, width, height);
}

function circle(ctx: SKRSContext2D, x: number, y: number, radius: number, color: string): void {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, Math.PI * 2);
  ctx.fill();
}

function ellipse(ctx: SKRSContext2D, x: number, y: number, rx: number, ry: number, rotation: number, color: string): void {
  ctx.fillStyle = color;
  ctx.beginPath();
  ctx.ellipse(x, y, rx, ry, rotation, 0, Math.PI * 2);
  ctx.fill();
}

/** A dark mountain range at dusk around a glowing volcano. */
function volcanoAtDusk(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  const hue = between(random, 5, 35);
  fillBackground(ctx, width, height, ['#1b0f2e', `hsl(${hue}, 70%, 35%)`, `hsl(${hue + 15}, 90%, 62%)`]);
  const peakX = width * between(random, 0.35, 0.65);
  // A stepped glow: a smooth radial gradient is dithered into noise that PNG compresses badly.
  for (let ring = 1; ring <= 5; ring++) circle(ctx, peakX, height * 0.45, height * 0.1 * ring, 'rgba(255, 90, 20, 0.14)');

  ctx.fillStyle = '#2a1a1f';
  ctx.beginPath();
  ctx.moveTo(peakX - width * 0.45, height);
  ctx.lineTo(peakX - width * 0.06, height * 0.45);
  ctx.lineTo(peakX + width * 0.06, height * 0.45);
  ctx.lineTo(peakX + width * 0.45, height);
  ctx.fill();
  ellipse(ctx, peakX, height * 0.45, width * 0.06, height * 0.015, 0, '#ff7a18');
  for (let puff = 0; puff < 6; puff++) {
    circle(ctx, peakX + between(random, -0.06, 0.06) * width, height * (0.4 - puff * 0.04), height * between(random, 0.03, 0.06), 'rgba(60, 50, 60, 0.55)');
  }

  const ranges = ['#3b2535', '#24161f', '#120b10'];
  ranges.forEach((color, layer) => {
    const base = height * (0.62 + layer * 0.1);
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.moveTo(0, height);
    for (let x = 0; x <= width; x += width / 8) ctx.lineTo(x, base - random() * height * 0.12);
    ctx.lineTo(width, height);
    ctx.fill();
  });
}

/** Snow falling at night over castle battlements. */
function winterWall(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  const hue = between(random, 200, 230);
  fillBackground(ctx, width, height, [`hsl(${hue}, 50%, 10%)`, `hsl(${hue}, 30%, 35%)`, `hsl(${hue}, 25%, 78%)`]);
  circle(ctx, width * between(random, 0.15, 0.85), height * 0.4, height * 0.07, 'rgba(240, 245, 255, 0.85)');

  const wallTop = height * 0.6;
  const merlon = width / 16;
  ctx.fillStyle = '#2b2d42';
  ctx.fillRect(0, wallTop, width, height - wallTop);
  for (let x = 0; x < width; x += merlon * 2) ctx.fillRect(x, wallTop - merlon * 0.8, merlon, merlon * 0.8);
  const towerX = width * between(random, 0.1, 0.7);
  ctx.fillRect(towerX, wallTop - height * 0.22, width * 0.14, height * 0.22);
  for (let x = towerX; x < towerX + width * 0.14; x += width * 0.035) ctx.fillRect(x, wallTop - height * 0.26, width * 0.02, height * 0.05);
  ctx.fillStyle = '#f6c453';
  ctx.fillRect(towerX + width * 0.055, wallTop - height * 0.15, width * 0.03, height * 0.05);

  ctx.fillStyle = '#e8eef7';
  ctx.beginPath();
  ctx.moveTo(0, height);
  ctx.lineTo(0, height * 0.9);
  ctx.quadraticCurveTo(width * 0.5, height * between(random, 0.8, 0.88), width, height * 0.9);
  ctx.lineTo(width, height);
  ctx.fill();
  for (let flake = 0; flake < 160; flake++) {
    circle(ctx, random() * width, random() * height, between(random, 0.5, 2.5) * (height / 480), `rgba(255, 255, 255, ${between(random, 0.4, 1)})`);
  }
}

/** A wartime-style poster: one flat colour, a thin frame and a crown. */
function crownPoster(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  const colors = ['#c8102e', '#00247d', '#1b5e20', '#4a148c', '#e65100'];
  // Flat on purpose, like the posters: a full-frame gradient here would triple the PNG's size and encoding time.
  ctx.fillStyle = colors[Math.floor(random() * colors.length)];
  ctx.fillRect(0, 0, width, height);

  const cream = '#f5f0e1';
  ctx.strokeStyle = cream;
  ctx.lineWidth = Math.max(2, height * 0.008);
  const inset = height * 0.025;
  ctx.strokeRect(inset, inset, width - inset * 2, height - inset * 2);

  const crownWidth = height * 0.26;
  const left = width / 2 - crownWidth / 2;
  const base = height * 0.6;
  const top = height * 0.4;
  ctx.fillStyle = cream;
  ctx.beginPath();
  ctx.moveTo(left, base);
  ctx.lineTo(left, top + crownWidth * 0.12);
  const points = 5;
  for (let point = 0; point < points; point++) {
    const x = left + (crownWidth * (point + 0.5)) / points;
    ctx.lineTo(x, point % 2 === 0 ? top : top + crownWidth * 0.2);
    ctx.lineTo(left + (crownWidth * (point + 1)) / points, top + crownWidth * 0.3);
  }
  ctx.lineTo(left + crownWidth, base);
  ctx.fill();
  for (let point = 0; point < points; point += 2) circle(ctx, left + (crownWidth * (point + 0.5)) / points, top, crownWidth * 0.04, cream);
  ctx.fillRect(left - crownWidth * 0.05, base, crownWidth * 1.1, crownWidth * 0.1);
  const jewel = random() < 0.5 ? '#b71c1c' : '#0d47a1';
  for (let stone = 0; stone < 3; stone++) circle(ctx, left + crownWidth * (0.25 + stone * 0.25), base - crownWidth * 0.18, crownWidth * 0.035, jewel);
}

/** A pastel room with a window and nobody in the chair. */
function emptyRoom(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  const hue = between(random, 0, 360);
  const floor = height * 0.66;
  fillBackground(ctx, width, floor, [`hsl(${hue}, 35%, 82%)`, `hsl(${hue}, 30%, 70%)`]);
  ctx.fillStyle = '#8d6e63';
  ctx.fillRect(0, floor, width, height - floor);
  ctx.strokeStyle = '#6d4c41';
  ctx.lineWidth = Math.max(1, height * 0.004);
  for (let y = floor + height * 0.05; y < height; y += height * 0.06) {
    ctx.beginPath();
    ctx.moveTo(0, y);
    ctx.lineTo(width, y);
    ctx.stroke();
  }

  const windowX = width * between(random, 0.08, 0.2);
  const pane = height * 0.3;
  ctx.fillStyle = '#fff8e1';
  const paneTop = height * 0.3;
  ctx.fillRect(windowX, paneTop, pane, pane);
  ctx.strokeStyle = '#5d4037';
  ctx.lineWidth = Math.max(2, height * 0.012);
  ctx.strokeRect(windowX, paneTop, pane, pane);
  ctx.beginPath();
  ctx.moveTo(windowX + pane / 2, paneTop);
  ctx.lineTo(windowX + pane / 2, paneTop + pane);
  ctx.moveTo(windowX, paneTop + pane / 2);
  ctx.lineTo(windowX + pane, paneTop + pane / 2);
  ctx.stroke();

  const chairX = width * between(random, 0.55, 0.7);
  const seat = floor - height * 0.1;
  const chairWidth = height * 0.16;
  ctx.fillStyle = '#3e2723';
  ctx.fillRect(chairX, seat - height * 0.2, chairWidth * 0.12, height * 0.2);
  ctx.fillRect(chairX, seat, chairWidth, height * 0.03);
  ctx.fillRect(chairX, seat, chairWidth * 0.1, height * 0.13);
  ctx.fillRect(chairX + chairWidth * 0.9, seat, chairWidth * 0.1, height * 0.13);
  ellipse(ctx, chairX + chairWidth / 2, seat + height * 0.13, chairWidth * 0.7, height * 0.012, 0, 'rgba(0, 0, 0, 0.2)');
}

/** A figure pointing up at a butterfly. */
function butterflyWatcher(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  const hue = between(random, 160, 260);
  fillBackground(ctx, width, height, [`hsl(${hue}, 45%, 22%)`, `hsl(${hue + 20}, 40%, 45%)`]);
  ctx.fillStyle = '#4e7d3a';
  ctx.fillRect(0, height * 0.8, width, height * 0.2);

  const personX = width * 0.25;
  const ground = height * 0.8;
  const unit = height * 0.1;
  ctx.strokeStyle = '#1a1a2e';
  ctx.lineCap = 'round';
  ctx.lineWidth = unit * 0.35;
  ctx.beginPath();
  ctx.moveTo(personX, ground - unit * 1.2);
  ctx.lineTo(personX, ground - unit * 3);
  ctx.moveTo(personX, ground - unit * 1.2);
  ctx.lineTo(personX - unit * 0.5, ground);
  ctx.moveTo(personX, ground - unit * 1.2);
  ctx.lineTo(personX + unit * 0.5, ground);
  ctx.moveTo(personX, ground - unit * 2.6);
  ctx.lineTo(personX + unit * 1.3, ground - unit * 3.4);
  ctx.stroke();
  circle(ctx, personX, ground - unit * 3.5, unit * 0.5, '#1a1a2e');

  const butterflyX = width * between(random, 0.55, 0.75);
  const butterflyY = height * between(random, 0.42, 0.55);
  const wingHue = between(random, 20, 60);
  for (const side of [-1, 1]) {
    ellipse(ctx, butterflyX + side * unit * 0.55, butterflyY - unit * 0.3, unit * 0.6, unit * 0.4, side * 0.5, `hsl(${wingHue}, 90%, 55%)`);
    ellipse(ctx, butterflyX + side * unit * 0.4, butterflyY + unit * 0.35, unit * 0.4, unit * 0.28, -side * 0.4, `hsl(${wingHue + 15}, 90%, 45%)`);
    circle(ctx, butterflyX + side * unit * 0.65, butterflyY - unit * 0.35, unit * 0.12, '#fff3e0');
  }
  ellipse(ctx, butterflyX, butterflyY, unit * 0.08, unit * 0.5, 0, '#1a1a2e');
  ctx.lineWidth = unit * 0.05;
  ctx.beginPath();
  ctx.moveTo(butterflyX, butterflyY - unit * 0.45);
  ctx.lineTo(butterflyX - unit * 0.25, butterflyY - unit * 0.8);
  ctx.moveTo(butterflyX, butterflyY - unit * 0.45);
  ctx.lineTo(butterflyX + unit * 0.25, butterflyY - unit * 0.8);
  ctx.stroke();
}

/** Green code rain behind a dark head in round sunglasses. */
function sunglassesInTheRain(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  ctx.fillStyle = '#020a04';
  ctx.fillRect(0, 0, width, height);
  const cell = Math.max(4, Math.round(height / 40));
  for (let x = 0; x < width; x += cell) {
    const head = random() * height * 1.2;
    const length = between(random, 6, 22);
    for (let step = 0; step < length; step++) {
      const y = head - step * cell * 1.2;
      if (y < -cell || y > height) continue;
      ctx.fillStyle = step === 0 ? 'rgba(200, 255, 200, 0.9)' : `rgba(0, ${Math.round(between(random, 150, 255))}, 70, ${1 - step / length})`;
      ctx.fillRect(x + cell * 0.2, y, cell * (random() < 0.5 ? 0.6 : 0.35), cell * 0.8);
    }
  }

  const centerX = width / 2;
  const centerY = height * 0.5;
  const head = height * 0.2;
  ellipse(ctx, centerX, centerY + head * 0.1, head * 0.8, head, 0, '#111');
  const lens = head * between(random, 0.28, 0.34);
  for (const side of [-1, 1]) {
    const shine = ctx.createLinearGradient(centerX + side * head * 0.38 - lens, centerY - lens, centerX + side * head * 0.38 + lens, centerY + lens);
    shine.addColorStop(0, '#3a3a3a');
    shine.addColorStop(0.5, '#000');
    shine.addColorStop(1, '#1b5e20');
    ctx.fillStyle = shine;
    ctx.beginPath();
    ctx.arc(centerX + side * head * 0.38, centerY, lens, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.strokeStyle = '#000';
  ctx.lineWidth = head * 0.06;
  ctx.beginPath();
  ctx.moveTo(centerX - head * 0.1, centerY - lens * 0.3);
  ctx.lineTo(centerX + head * 0.1, centerY - lens * 0.3);
  ctx.stroke();
}

/** A sunburst over a hill and a fist raised in triumph. */
function victoryFist(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  const hue = between(random, 35, 55);
  ctx.fillStyle = `hsl(${hue}, 95%, 60%)`;
  ctx.fillRect(0, 0, width, height);
  const centerX = width * between(random, 0.4, 0.6);
  const centerY = height * 0.6;
  const rays = 18;
  const reach = Math.hypot(width, height);
  ctx.fillStyle = `hsl(${hue - 15}, 95%, 55%)`;
  for (let ray = 0; ray < rays; ray++) {
    const start = (ray / rays) * Math.PI * 2;
    ctx.beginPath();
    ctx.moveTo(centerX, centerY);
    ctx.arc(centerX, centerY, reach, start, start + Math.PI / rays);
    ctx.fill();
  }
  ctx.fillStyle = '#43a047';
  ctx.beginPath();
  ctx.moveTo(0, height);
  ctx.quadraticCurveTo(width / 2, height * 0.6, width, height);
  ctx.fill();

  const unit = height * 0.07;
  const fistX = centerX - unit;
  const fistY = height * 0.4;
  ctx.fillStyle = '#e0a872';
  ctx.strokeStyle = '#6d3d14';
  ctx.lineWidth = Math.max(1.5, unit * 0.08);
  ctx.beginPath();
  ctx.roundRect(fistX + unit * 0.45, fistY + unit * 1.4, unit * 1.1, height - fistY, unit * 0.3);
  ctx.fill();
  ctx.stroke();
  ctx.beginPath();
  ctx.roundRect(fistX, fistY, unit * 2, unit * 1.7, unit * 0.45);
  ctx.fill();
  ctx.stroke();
  ctx.beginPath();
  for (let finger = 1; finger < 4; finger++) {
    ctx.moveTo(fistX + unit * 0.5 * finger, fistY + unit * 0.1);
    ctx.lineTo(fistX + unit * 0.5 * finger, fistY + unit * 0.8);
  }
  ctx.moveTo(fistX + unit * 0.2, fistY + unit * 1.05);
  ctx.quadraticCurveTo(fistX + unit, fistY + unit * 0.8, fistX + unit * 1.7, fistY + unit * 1.05);
  ctx.stroke();
}

/** A pair of suspicious, half-closed eyes under slanted brows. */
function squintingEyes(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  const hue = between(random, 15, 40);
  fillBackground(ctx, width, height, [`hsl(${hue}, 60%, 45%)`, `hsl(${hue}, 55%, 28%)`]);
  const skin = '#f1c9a5';
  const centerY = height * 0.5;
  ellipse(ctx, width / 2, centerY + height * 0.05, height * 0.42, height * 0.34, 0, skin);

  const eye = height * 0.1;
  const squint = between(random, 0.35, 0.55);
  const gaze = between(random, -0.4, 0.4) * eye;
  for (const side of [-1, 1]) {
    const eyeX = width / 2 + side * height * 0.17;
    ellipse(ctx, eyeX, centerY, eye, eye * 0.55, 0, '#fff');
    circle(ctx, eyeX + gaze, centerY + eye * 0.1, eye * 0.25, '#2b1d0e');
    ctx.fillStyle = skin;
    ctx.fillRect(eyeX - eye * 1.1, centerY - eye * 0.7, eye * 2.2, eye * 0.7 * (squint + 0.5));
    ctx.fillRect(eyeX - eye * 1.1, centerY + eye * 0.35, eye * 2.2, eye * 0.4);
    ctx.strokeStyle = '#5a3410';
    ctx.lineCap = 'round';
    ctx.lineWidth = eye * 0.2;
    ctx.beginPath();
    ctx.moveTo(eyeX - side * eye * 0.9, centerY - eye * 1.1);
    ctx.lineTo(eyeX + side * eye * 0.9, centerY - eye * 0.75);
    ctx.stroke();
  }
}

/** For templates without art of their own: soft out-of-focus lights on a gradient. */
function abstractBokeh(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  const hue = between(random, 0, 360);
  // Vertical: every row is one colour, which PNG compresses well; a diagonal gradient would not.
  fillBackground(ctx, width, height, [`hsl(${hue}, 55%, 30%)`, `hsl(${(hue + 60) % 360}, 55%, 45%)`]);
  for (let light = 0; light < 24; light++) {
    circle(ctx, random() * width, random() * height, height * between(random, 0.02, 0.1), `hsla(${(hue + between(random, -40, 100)) % 360}, 80%, 75%, ${between(random, 0.08, 0.3)})`);
  }
}

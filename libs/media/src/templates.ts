import { createHash } from 'node:crypto';
import { SKRSContext2D } from '@napi-rs/canvas';
import { MemeCaption } from './media.types';

/** A number in [0, 1), from a generator seeded by the caption. */
type Random = () => number;

/**
 * Paints a template's scene over the whole `width` × `height` canvas. The art sits mostly in the
 * middle 40 %, between the caption boxes, and is original: shapes, gradients and simple figures.
 */
export type Scene = (ctx: SKRSContext2D, width: number, height: number, random: Random) => void;

const SCENES: Readonly<Record<string, Scene>> = {
  'one-does-not-simply': volcanoAtDusk,
  'brace-yourselves': winterWall,
  'keep-calm': crownPoster,
  nobody: emptyRoom,
  'is-this': butterflyWatcher,
  'what-if-i-told-you': sunglassesInTheRain,
  'success-kid': victoryFist,
  'not-sure-if': squintingEyes,
  'galaxy-brain': glowingBrains,
  'two-buttons': twoRedButtons,
  'this-is-fine': roomOnFire,
  'change-my-mind': debateTable,
  'drake-prefers': verdictGrid,
  distracted: turningHead,
};

/**
 * Paints the background of `caption`'s template (a generic one for an unknown id). Colours and
 * positions vary with a generator seeded from the whole caption, so one caption always gives the
 * same picture and two captions on the same template still look different.
 */
export function drawTemplate(ctx: SKRSContext2D, caption: MemeCaption, width: number, height: number): void {
  ctx.save();
  sceneOf(caption.template)(ctx, width, height, seededRandom(caption));
  ctx.restore();
}

/** The template's own scene, or the generic one for an id without art. */
export function sceneOf(template: string): Scene {
  return Object.hasOwn(SCENES, template) ? SCENES[template] : abstractBokeh;
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

/** Who a figure is and which way it looks: -1 left, 1 right. */
interface Figure {
  readonly shirt: string;
  readonly skin: string;
  readonly hair: string;
  readonly facing: -1 | 1;
}

/** A standing figure 5.2 `unit`s tall, feet at `ground`; the eye shows where it looks. */
function standingFigure(ctx: SKRSContext2D, x: number, ground: number, unit: number, figure: Figure): void {
  ctx.strokeStyle = '#2e2e3a';
  ctx.lineCap = 'round';
  ctx.lineWidth = unit * 0.3;
  ctx.beginPath();
  for (const side of [-1, 1]) {
    ctx.moveTo(x + side * unit * 0.3, ground);
    ctx.lineTo(x + side * unit * 0.15, ground - unit * 2);
  }
  ctx.stroke();
  ctx.fillStyle = figure.shirt;
  ctx.beginPath();
  ctx.roundRect(x - unit * 0.5, ground - unit * 4, unit, unit * 2.2, unit * 0.3);
  ctx.fill();
  const headY = ground - unit * 4.6;
  circle(ctx, x, headY, unit * 0.55, figure.skin);
  ellipse(ctx, x - figure.facing * unit * 0.12, headY - unit * 0.28, unit * 0.5, unit * 0.3, 0, figure.hair);
  circle(ctx, x + figure.facing * unit * 0.3, headY, unit * 0.08, '#1a1a1a');
}

/** Four panels under the stars, a head in profile in each, its brain glowing brighter panel by panel. */
function glowingBrains(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  ctx.fillStyle = '#0a0620';
  ctx.fillRect(0, 0, width, height);
  for (let star = 0; star < 120; star++) {
    circle(ctx, random() * width, random() * height, between(random, 0.5, 2) * (height / 480), `rgba(255, 255, 255, ${between(random, 0.3, 0.9)})`);
  }

  const panels = 4;
  const gap = width * 0.02;
  const panelWidth = (width - gap * (panels + 1)) / panels;
  const top = height * 0.3;
  const panelHeight = height * 0.4;
  const hue = between(random, 250, 290);
  for (let panel = 0; panel < panels; panel++) {
    const left = gap + panel * (panelWidth + gap);
    const glow = panel / (panels - 1);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, panelWidth, panelHeight);
    ctx.clip();
    ctx.fillStyle = `hsl(${hue - glow * 70}, 55%, ${20 + glow * 20}%)`;
    ctx.fillRect(left, top, panelWidth, panelHeight);

    const head = Math.min(panelWidth, panelHeight) * 0.28;
    const headX = left + panelWidth * 0.42;
    const headY = top + panelHeight * 0.58;
    const brainX = headX + head * 0.15;
    const brainY = headY - head * 0.3;
    // Stepped rings of light, as in volcanoAtDusk: a radial gradient would dither into noise.
    for (let ring = panel * 2; ring > 0; ring--) circle(ctx, brainX, brainY, head * (0.5 + ring * 0.3), `hsla(${190 + ring * 15}, 100%, 75%, 0.16)`);
    if (panel === panels - 1) {
      ctx.strokeStyle = 'rgba(255, 255, 255, 0.75)';
      ctx.lineWidth = Math.max(1, head * 0.05);
      ctx.beginPath();
      for (let ray = 0; ray < 12; ray++) {
        const angle = (ray / 12) * Math.PI * 2 + random() * 0.2;
        ctx.moveTo(brainX + Math.cos(angle) * head * 0.7, brainY + Math.sin(angle) * head * 0.7);
        ctx.lineTo(brainX + Math.cos(angle) * head * 2.4, brainY + Math.sin(angle) * head * 2.4);
      }
      ctx.stroke();
    }

    circle(ctx, headX, headY, head, '#07050f');
    ctx.beginPath();
    ctx.moveTo(headX + head * 0.9, headY - head * 0.1);
    ctx.lineTo(headX + head * 1.25, headY + head * 0.25);
    ctx.lineTo(headX + head * 0.85, headY + head * 0.4);
    ctx.fill();
    ctx.fillRect(headX - head * 0.45, headY + head * 0.6, head * 0.8, panelHeight);
    ellipse(ctx, brainX, brainY, head * (0.45 + glow * 0.15), head * (0.32 + glow * 0.1), 0, `hsl(${330 - glow * 140}, 90%, ${50 + glow * 35}%)`);
    ctx.restore();
  }
}

/** A console with two big red buttons, a finger hovering between them and drops of sweat. */
function twoRedButtons(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  ctx.fillStyle = `hsl(${between(random, 180, 200)}, 20%, 70%)`;
  ctx.fillRect(0, 0, width, height);
  const top = height * 0.42;
  const bottom = height * 0.7;
  ctx.fillStyle = '#455a64';
  ctx.beginPath();
  ctx.moveTo(width * 0.08, bottom);
  ctx.lineTo(width * 0.2, top);
  ctx.lineTo(width * 0.8, top);
  ctx.lineTo(width * 0.92, bottom);
  ctx.fill();
  ctx.fillStyle = '#263238';
  ctx.fillRect(width * 0.08, bottom, width * 0.84, height * 0.08);

  const radius = height * 0.08;
  const buttonY = (top + bottom) / 2;
  for (const side of [-1, 1]) {
    const x = width / 2 + side * width * 0.17;
    ellipse(ctx, x, buttonY + radius * 0.3, radius * 1.3, radius * 0.6, 0, '#cfd8dc');
    ellipse(ctx, x, buttonY + radius * 0.15, radius, radius * 0.5, 0, '#8e1b1b');
    ellipse(ctx, x, buttonY, radius, radius * 0.5, 0, '#e53935');
    ellipse(ctx, x - radius * 0.35, buttonY - radius * 0.15, radius * 0.3, radius * 0.1, 0, '#ff8a80');
  }

  const unit = height * 0.05;
  const fingerX = width / 2 + between(random, -0.04, 0.04) * width;
  const tip = top - height * 0.03;
  ctx.fillStyle = '#e8b48a';
  ctx.beginPath();
  ctx.roundRect(fingerX - unit * 0.4, -unit, unit * 0.8, tip + unit, unit * 0.4);
  ctx.fill();
  ellipse(ctx, fingerX, tip - unit * 0.35, unit * 0.28, unit * 0.2, 0, '#f6d5bd');
  ctx.fillStyle = '#4fc3f7';
  for (let drop = 0; drop < 3; drop++) {
    const dropX = fingerX + (drop - 1) * unit * 1.8;
    const dropY = height * between(random, 0.28, 0.36);
    ctx.beginPath();
    ctx.moveTo(dropX, dropY - unit * 0.7);
    ctx.quadraticCurveTo(dropX + unit * 0.45, dropY, dropX, dropY + unit * 0.3);
    ctx.quadraticCurveTo(dropX - unit * 0.45, dropY, dropX, dropY - unit * 0.7);
    ctx.fill();
  }
}

/** A tongue of fire `height` tall standing on `base`: red, orange and yellow layers. */
function flame(ctx: SKRSContext2D, x: number, base: number, width: number, height: number): void {
  for (const [color, scale] of [['#d62d0b', 1], ['#f57c00', 0.7], ['#ffd54f', 0.4]] as const) {
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.moveTo(x - width * 0.5 * scale, base);
    ctx.quadraticCurveTo(x - width * 0.5 * scale, base - height * scale * 0.6, x, base - height * scale);
    ctx.quadraticCurveTo(x + width * 0.5 * scale, base - height * scale * 0.6, x + width * 0.5 * scale, base);
    ctx.fill();
  }
}

/** A room going up in flames around a calm figure in a hat, holding a mug. */
function roomOnFire(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  ctx.fillStyle = '#9c3d1c';
  ctx.fillRect(0, 0, width, height);
  const floor = height * 0.7;
  ctx.fillStyle = '#4e2a12';
  ctx.fillRect(0, floor, width, height - floor);
  ctx.fillStyle = 'rgba(35, 25, 22, 0.8)';
  ctx.beginPath();
  ctx.moveTo(0, 0);
  ctx.lineTo(0, height * 0.25);
  for (let x = 0; x < width; x += width / 6) ctx.quadraticCurveTo(x + width / 12, height * between(random, 0.3, 0.36), x + width / 6, height * 0.25);
  ctx.lineTo(width, 0);
  ctx.fill();

  const flameWidth = width / 10;
  for (let x = 0; x < width + flameWidth; x += flameWidth * 0.8) flame(ctx, x, floor + height * 0.02, flameWidth, height * between(random, 0.12, 0.3));

  const tableX = width * 0.62;
  ctx.fillStyle = '#6d3b16';
  ctx.fillRect(tableX, floor - height * 0.13, width * 0.16, height * 0.03);
  ctx.fillRect(tableX + width * 0.07, floor - height * 0.1, width * 0.02, height * 0.1);

  const unit = height * 0.06;
  const x = width * 0.42;
  const bodyY = floor - unit * 1.4;
  ellipse(ctx, x, bodyY, unit * 1.1, unit * 1.5, 0, '#d9a441');
  const headY = bodyY - unit * 2;
  circle(ctx, x, headY, unit * 0.9, '#d9a441');
  ellipse(ctx, x, headY - unit * 0.65, unit * 1.2, unit * 0.18, 0, '#2b1a10');
  ctx.fillStyle = '#2b1a10';
  ctx.beginPath();
  ctx.arc(x, headY - unit * 0.7, unit * 0.65, Math.PI, Math.PI * 2);
  ctx.fill();
  // Calm: half-closed eyes and a small smile.
  ctx.strokeStyle = '#2b1a10';
  ctx.lineCap = 'round';
  ctx.lineWidth = unit * 0.1;
  ctx.beginPath();
  for (const side of [-1, 1]) {
    ctx.moveTo(x + side * unit * 0.45, headY);
    ctx.lineTo(x + side * unit * 0.15, headY);
  }
  ctx.moveTo(x - unit * 0.3, headY + unit * 0.35);
  ctx.quadraticCurveTo(x, headY + unit * 0.55, x + unit * 0.3, headY + unit * 0.35);
  ctx.stroke();
  ctx.fillStyle = '#f5f5f5';
  ctx.beginPath();
  ctx.roundRect(x + unit * 0.6, bodyY - unit * 0.6, unit * 0.6, unit * 0.75, unit * 0.1);
  ctx.fill();
  ctx.strokeStyle = '#f5f5f5';
  ctx.beginPath();
  ctx.arc(x + unit * 1.25, bodyY - unit * 0.25, unit * 0.2, -Math.PI / 2, Math.PI / 2);
  ctx.stroke();
}

/** A folding table on a lawn with a blank sign taped to it, a mug, and someone waiting to argue. */
function debateTable(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  ctx.fillStyle = '#a8d8f0';
  ctx.fillRect(0, 0, width, height);
  const horizon = height * 0.58;
  ctx.fillStyle = '#5b8c3a';
  ctx.fillRect(0, horizon, width, height - horizon);
  const treeX = width * between(random, 0.08, 0.2);
  ctx.fillStyle = '#6d4c41';
  ctx.fillRect(treeX - width * 0.015, horizon - height * 0.18, width * 0.03, height * 0.2);
  for (const [dx, dy] of [[-0.6, 0.1], [0.6, 0.1], [0, -0.4]]) {
    circle(ctx, treeX + dx * height * 0.08, horizon - height * 0.25 + dy * height * 0.08, height * 0.09, '#3f7d20');
  }

  const unit = height * 0.06;
  const tableTop = height * 0.63;
  standingFigure(ctx, width * 0.55, height * 0.8, unit, { shirt: `hsl(${between(random, 0, 360)}, 45%, 45%)`, skin: '#e0ac69', hair: '#3b2a1a', facing: 1 });
  ctx.fillStyle = '#37474f';
  ctx.fillRect(width * 0.3, tableTop, width * 0.5, height * 0.025);
  ctx.strokeStyle = '#37474f';
  ctx.lineWidth = Math.max(2, height * 0.01);
  ctx.beginPath();
  for (const legX of [0.34, 0.76]) {
    ctx.moveTo(width * legX, tableTop);
    ctx.lineTo(width * (legX + (legX < 0.5 ? -0.03 : 0.03)), height * 0.8);
  }
  ctx.stroke();

  const signX = width * 0.42;
  const signY = tableTop + height * 0.025;
  ctx.fillStyle = '#f4f1e8';
  ctx.fillRect(signX, signY, width * 0.26, height * 0.13);
  // Scribbles, not words: the caption is the only text on a meme.
  ctx.fillStyle = '#263238';
  for (let line = 0; line < 3; line++) ctx.fillRect(signX + width * 0.02, signY + height * (0.025 + line * 0.035), width * between(random, 0.12, 0.22), height * 0.012);
  ctx.fillStyle = '#d84315';
  ctx.beginPath();
  ctx.roundRect(width * 0.72, tableTop - unit * 0.9, unit * 0.6, unit * 0.9, unit * 0.1);
  ctx.fill();
}

/** Two rows: a figure turning the top thing away with a raised palm, then pointing happily at the bottom one. */
function verdictGrid(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  const middle = height / 2;
  const split = width / 2;
  ctx.fillStyle = '#f2a516';
  ctx.fillRect(0, 0, split, height);
  ctx.fillStyle = '#fbf6ea';
  ctx.fillRect(split, 0, width - split, height);
  const line = Math.max(2, height * 0.008);
  ctx.fillStyle = '#1f1f1f';
  ctx.fillRect(0, middle - line / 2, width, line);
  ctx.fillRect(split - line / 2, 0, line, height);

  const unit = height * 0.045;
  const jacket = `hsl(${between(random, 0, 40)}, 70%, 38%)`;
  const skin = '#8d5a3b';
  const x = split * 0.45;
  for (const row of ['refuses', 'prefers'] as const) {
    const rowBottom = row === 'refuses' ? middle - line : height * 0.72;
    const headY = rowBottom - unit * 3.2;
    ctx.fillStyle = jacket;
    ctx.beginPath();
    ctx.roundRect(x - unit * 1.1, rowBottom - unit * 2.3, unit * 2.2, unit * 2.3, [unit * 0.8, unit * 0.8, 0, 0]);
    ctx.fill();
    circle(ctx, x, headY, unit * 0.9, skin);
    const facing = row === 'refuses' ? -1 : 1;
    ellipse(ctx, x - facing * unit * 0.2, headY - unit * 0.5, unit * 0.85, unit * 0.45, 0, '#1b1b1b');
    circle(ctx, x + facing * unit * 0.45, headY - unit * 0.05, unit * 0.1, '#1b1b1b');
    ctx.strokeStyle = jacket;
    ctx.lineCap = 'round';
    ctx.lineWidth = unit * 0.55;
    ctx.beginPath();
    ctx.moveTo(x + unit * 0.7, rowBottom - unit * 1.8);
    if (row === 'refuses') {
      ctx.lineTo(x + unit * 1.4, headY + unit * 0.2);
      ctx.stroke();
      ctx.fillStyle = skin;
      ctx.beginPath();
      ctx.roundRect(x + unit * 1.05, headY - unit * 1.0, unit * 0.75, unit * 1.1, unit * 0.3);
      ctx.fill();
    } else {
      ctx.lineTo(x + unit * 2.3, headY + unit * 0.4);
      ctx.stroke();
      circle(ctx, x + unit * 2.55, headY + unit * 0.35, unit * 0.28, skin);
      ctx.strokeStyle = skin;
      ctx.lineWidth = unit * 0.18;
      ctx.beginPath();
      ctx.moveTo(x + unit * 2.6, headY + unit * 0.3);
      ctx.lineTo(x + unit * 3.3, headY + unit * 0.15);
      ctx.moveTo(x + unit * 0.15, headY + unit * 0.4);
      ctx.quadraticCurveTo(x + unit * 0.5, headY + unit * 0.7, x + unit * 0.8, headY + unit * 0.35);
      ctx.stroke();
    }
  }

  // On the right: a dull grey lump above, a gold star below.
  const thingX = split + (width - split) / 2;
  ctx.fillStyle = '#9e9e9e';
  ctx.beginPath();
  ctx.roundRect(thingX - unit * 1.5, middle - unit * 3.6, unit * 3, unit * 2.6, unit * 0.4);
  ctx.fill();
  const starY = middle + unit * 4;
  ctx.fillStyle = '#ffc107';
  ctx.strokeStyle = '#b28704';
  ctx.lineWidth = Math.max(1.5, unit * 0.12);
  ctx.beginPath();
  for (let point = 0; point < 10; point++) {
    const angle = -Math.PI / 2 + (point * Math.PI) / 5;
    const reach = point % 2 === 0 ? unit * 2 : unit * 0.85;
    ctx.lineTo(thingX + Math.cos(angle) * reach, starY + Math.sin(angle) * reach);
  }
  ctx.closePath();
  ctx.fill();
  ctx.stroke();
}

/** A street: a walker turns to stare at a passer-by while the partner at the walker's side glares. */
function turningHead(ctx: SKRSContext2D, width: number, height: number, random: Random): void {
  ctx.fillStyle = '#dcebd5';
  ctx.fillRect(0, 0, width, height);
  for (let x = 0; x < width + height * 0.1; x += height * 0.12) {
    circle(ctx, x, height * between(random, 0.42, 0.48), height * between(random, 0.08, 0.11), '#93c47d');
  }
  ctx.fillStyle = '#6aa84f';
  ctx.fillRect(0, height * 0.5, width, height * 0.12);
  ctx.fillStyle = '#b7b2a8';
  ctx.fillRect(0, height * 0.62, width, height * 0.38);
  ctx.fillStyle = '#8f8a80';
  ctx.fillRect(0, height * 0.62, width, height * 0.012);

  const ground = height * 0.76;
  const unit = height * 0.055;
  const skin = '#e9b98f';
  standingFigure(ctx, width * between(random, 0.18, 0.26), ground, unit, { shirt: '#c62828', skin, hair: '#5d3a1a', facing: -1 });
  const walkerX = width * between(random, 0.55, 0.6);
  standingFigure(ctx, walkerX, ground, unit, { shirt: '#1565c0', skin, hair: '#2b1d0e', facing: -1 });
  const partnerX = walkerX + width * 0.16;
  standingFigure(ctx, partnerX, ground, unit, { shirt: '#00897b', skin, hair: '#8d4f1f', facing: -1 });
  // The partner's frown: one brow slanting down towards the walker.
  ctx.strokeStyle = '#1a1a1a';
  ctx.lineWidth = unit * 0.1;
  ctx.beginPath();
  ctx.moveTo(partnerX - unit * 0.45, ground - unit * 4.75);
  ctx.lineTo(partnerX - unit * 0.1, ground - unit * 4.85);
  ctx.stroke();
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

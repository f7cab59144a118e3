/** Every `.wat` file under the packages' sources. */
export function watFiles(): string[];
/** The TypeScript module generated from one `.wat` file. */
export function generatedSource(path: string): Promise<string>;
/** Where the generated module of a `.wat` file goes. */
export function generatedPath(path: string): string;

import { describe, expect, it } from 'vitest';
import { ItemCatalog } from '@mycontent/core';
import { NewestItems } from '../src/engine/newest';

describe('the newest items', () => {
  it('follows every catalogue change incrementally, exactly as a fresh scan would', () => {
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const catalog = new ItemCatalog();
    const incremental = new NewestItems(catalog);
    for (let step = 0; step < 4000; step++) {
      const r = random();
      // Times within a few hours: many ties once held as float32, as the scan holds them.
      if (r < 0.6) catalog.upsert({ id: `i${Math.floor(random() * 800)}`, createdAt: 1.5e12 + Math.floor(random() * 1e7) });
      else if (r < 0.7) catalog.deactivate(`i${Math.floor(random() * 800)}`);
      else if (r < 0.75) catalog.ensure(`seen-only-${step}`);
      const limit = [5, 50, 500][step % 3]!;
      expect(Array.from(incremental.take(limit))).toEqual(Array.from(new NewestItems(catalog).take(limit)));
    }
  });

  it('fills a list with the newest items that pass the filter and are not taken', () => {
    const catalog = new ItemCatalog();
    for (let i = 0; i < 10; i++) catalog.upsert({ id: `a${i}`, createdAt: 1000 + i });
    const newest = new NewestItems(catalog);
    const taken = new Set([catalog.indexOf('a9')]);
    expect(newest.fill(3, (i) => i % 2 === 1, taken).map((i) => catalog.idAt(i))).toEqual(['a7', 'a5', 'a3']);
    catalog.deactivate('a7');
    catalog.upsert({ id: 'b', createdAt: 5000 });
    expect(newest.fill(2, () => true, new Set()).map((i) => catalog.idAt(i))).toEqual(['b', 'a9']);
  });
});

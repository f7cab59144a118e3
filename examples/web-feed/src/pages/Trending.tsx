import { useEffect, useState } from 'react';
import { api } from '../api';
import { ArticleCard, type CardView } from './Card';

/** What is read most right now. */
export function TrendingPage() {
  const [items, setItems] = useState<CardView[]>([]);
  useEffect(() => {
    api<{ items: CardView[] }>('/api/v1/articles/trending?n=20').then((r) => setItems(r.items));
  }, []);
  return (
    <section>
      <h1>Trending</h1>
      <div className="grid">
        {items.map((card) => (
          <ArticleCard key={card.article_id} card={card} />
        ))}
      </div>
    </section>
  );
}

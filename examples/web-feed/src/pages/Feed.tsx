import { useCallback, useEffect, useRef, useState } from 'react';
import { api, feedback, type Account, type RecommendationPage } from '../api';
import { ArticleCard, type CardView } from './Card';

const PAGE = 20;

/**
 * The personalised feed: pages of 20 asked one request at a time as the reader scrolls, every
 * article already shown excluded from the next page; a like or dislike counts at once (the next
 * page follows it), a disliked card leaves the feed.
 */
export function FeedPage({ account }: { account: Account }) {
  const [cards, setCards] = useState<(CardView & { list: string })[]>([]);
  const [liked, setLiked] = useState<Set<string>>(new Set());
  const [hidden, setHidden] = useState<Set<string>>(new Set());
  const [done, setDone] = useState(false);
  const loading = useRef(false);
  const shown = useRef<string[]>([]);
  const sentinel = useRef<HTMLDivElement>(null);

  const more = useCallback(async () => {
    if (loading.current || done) return;
    loading.current = true;
    try {
      const exclude = shown.current.length > 0 ? `&exclude=${encodeURIComponent(shown.current.join(','))}` : '';
      const page = await api<RecommendationPage & { items: CardView[] }>(`/api/v1/recommendations?user_id=${encodeURIComponent(account.id)}&n=${PAGE}${exclude}`);
      const fresh = page.items.filter((c) => !shown.current.includes(c.article_id));
      shown.current.push(...fresh.map((c) => c.article_id));
      setCards((now) => [...now, ...fresh.map((c) => ({ ...c, list: page.recommendation_id }))]);
      if (fresh.length === 0) setDone(true);
    } finally {
      loading.current = false;
    }
  }, [account.id, done]);

  useEffect(() => {
    void more();
  }, [more]);
  // Scrolling asks for the next page once the first is on screen: watched earlier, the sentinel
  // (visible below the placeholders) could report itself in view after the first page arrived but
  // before it was laid out, and ask for a second page nobody scrolled to.
  const firstPageShown = cards.length > 0;
  useEffect(() => {
    const target = sentinel.current;
    if (!target || !firstPageShown) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void more();
    });
    observer.observe(target);
    return () => observer.disconnect();
  }, [more, firstPageShown]);

  const like = (card: CardView & { list: string }) => {
    setLiked((now) => new Set([...now, card.article_id]));
    void feedback(account.id, card, 'like', card.list);
  };
  const dislike = (card: CardView & { list: string }) => {
    setHidden((now) => new Set([...now, card.article_id]));
    void feedback(account.id, card, 'dislike', card.list);
  };

  return (
    <section>
      <h1>For you</h1>
      <div className="grid" aria-live="polite" aria-busy={cards.length === 0 && !done}>
        {/* Until the first page arrives, placeholders hold the cards' place: nothing moves when they come. */}
        {cards.length === 0 && !done && Array.from({ length: 6 }, (_, i) => <div key={i} className="card placeholder" aria-hidden="true" />)}
        {cards
          .filter((c) => !hidden.has(c.article_id))
          .map((card) => (
            <ArticleCard key={card.article_id} card={card} liked={liked.has(card.article_id)} onLike={() => like(card)} onDislike={() => dislike(card)} onOpen={() => void feedback(account.id, card, 'click', card.list)} />
          ))}
      </div>
      <div ref={sentinel} className="sentinel">
        {done ? <p>You have seen everything for now.</p> : cards.length > 0 && <button type="button" onClick={() => void more()}>More</button>}
      </div>
    </section>
  );
}

import { reasonOf, type Card } from '../api';

/** An article in a list: its title, category, why it is there, and (in the feed) like / dislike. */
export interface CardView extends Card {
  title?: string;
  summary?: string;
}

export function ArticleCard({ card, onOpen, onLike, onDislike, liked }: { card: CardView; onOpen?: () => void; onLike?: () => void; onDislike?: () => void; liked?: boolean }) {
  return (
    <article className="card" data-article={card.article_id} data-category={card.category} data-source={card.source}>
      <a href={`#/article/${encodeURIComponent(card.article_id)}`} onClick={onOpen}>
        <h2>{card.title ?? `Article ${card.article_id}`}</h2>
      </a>
      {card.summary && <p className="summary">{card.summary}</p>}
      <p className="meta">
        <span className="category">{card.category ?? '—'}</span> · <span className="reason">{reasonOf(card)}</span>
      </p>
      {onLike && onDislike && (
        <div className="actions">
          <button type="button" aria-pressed={liked === true} onClick={onLike} aria-label={`Like ${card.title ?? card.article_id}`}>
            Like
          </button>
          <button type="button" onClick={onDislike} aria-label={`Not interested in ${card.title ?? card.article_id}`}>
            Not for me
          </button>
        </div>
      )}
    </article>
  );
}

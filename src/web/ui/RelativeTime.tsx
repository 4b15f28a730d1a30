import { exactTime } from '../../core/time-phrases.ts';
import { useNow } from './now.tsx';
import { Tooltip } from './Tooltip.tsx';

/**
 * A relative phrase ("Expires in 2 months", "Last used 1 day ago") that ticks with the page's clock,
 * with the exact date and time in the viewer's own time zone on hover and on keyboard focus.
 * `phrase` gets the current time; `at` is the instant the tooltip shows, under `caption`.
 */
export function RelativeTime({
  at,
  phrase,
  caption,
  className,
  extra,
}: {
  at: string;
  phrase: (now: Date) => string;
  caption: string;
  className?: string;
  /** A last line in the tooltip, e.g. where a token was last used from. */
  extra?: string;
}) {
  const now = useNow();
  return (
    <Tooltip
      content={
        <span className="tooltip-time">
          <span className="tooltip-caption">{caption}</span> <span>{exactTime(at)}</span>
          {extra ? <span className="tooltip-caption"> {extra}</span> : null}
        </span>
      }
    >
      <button type="button" className={`reltime ${className ?? ''}`}>
        <time dateTime={at}>{phrase(now)}</time>
      </button>
    </Tooltip>
  );
}

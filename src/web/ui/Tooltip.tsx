import * as RadixTooltip from '@radix-ui/react-tooltip';
import { type ReactElement, type ReactNode, useRef, useState } from 'react';

/** Wrap the app once: tooltips open quickly, and moving between them needs no second wait. */
export function TooltipProvider({ children }: { children: ReactNode }) {
  return (
    <RadixTooltip.Provider delayDuration={250} skipDelayDuration={300}>
      {children}
    </RadixTooltip.Provider>
  );
}

/**
 * A tooltip on hover and on keyboard focus. The trigger must be focusable; the content is portalled and
 * positioned, so opening it never moves the page.
 *
 * Radix closes a tooltip when the page scrolls, and tabbing to a row below the fold scrolls the page
 * right after the focus opened it. So a tooltip opened by keyboard focus stays open until the focus
 * leaves or Escape is pressed.
 */
export function Tooltip({
  content,
  children,
  side = 'top',
}: {
  content: ReactNode;
  children: ReactElement;
  side?: 'top' | 'bottom' | 'left' | 'right';
}) {
  const [open, setOpen] = useState(false);
  const keyboardFocus = useRef(false);
  return (
    <RadixTooltip.Root
      open={open}
      onOpenChange={(next) => {
        if (!next && keyboardFocus.current) return;
        setOpen(next);
      }}
    >
      <RadixTooltip.Trigger
        asChild
        onFocus={(event) => {
          if (event.currentTarget.matches(':focus-visible')) {
            keyboardFocus.current = true;
            setOpen(true);
          }
        }}
        onBlur={() => {
          keyboardFocus.current = false;
          setOpen(false);
        }}
      >
        {children}
      </RadixTooltip.Trigger>
      <RadixTooltip.Portal>
        <RadixTooltip.Content
          className="tooltip"
          side={side}
          sideOffset={6}
          collisionPadding={8}
          onEscapeKeyDown={() => {
            keyboardFocus.current = false;
          }}
        >
          {content}
          <RadixTooltip.Arrow className="tooltip-arrow" width={10} height={5} />
        </RadixTooltip.Content>
      </RadixTooltip.Portal>
    </RadixTooltip.Root>
  );
}

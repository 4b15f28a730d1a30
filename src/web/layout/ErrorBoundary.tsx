import { CircleAlert } from 'lucide-react';
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { paths } from '../paths.ts';

interface Props {
  children: ReactNode;
  /** A change of this value (the page's address) tries the page again. */
  resetKey?: string;
}

interface State {
  error: Error | null;
  resetKey: string | undefined;
}

/**
 * A render error anywhere below becomes a readable page with a way back, never a white screen. Plain links,
 * not router links: the error may have come from the router's own tree.
 */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, resetKey: this.props.resetKey };

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error };
  }

  static getDerivedStateFromProps(props: Props, state: State): Partial<State> | null {
    return props.resetKey === state.resetKey ? null : { error: null, resetKey: props.resetKey };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('The console failed to show this page:', error, info.componentStack);
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="page">
        <section className="status-page" role="alert" aria-labelledby="crash-title">
          <span className="empty-icon" aria-hidden="true">
            <CircleAlert size={20} />
          </span>
          <h1 id="crash-title" className="page-title">
            Something went wrong on this page
          </h1>
          <p className="muted">
            The console hit an error it did not expect ({error.message}). Nothing was changed by it.
          </p>
          <p className="status-actions">
            <a href={window.location.href} className="btn btn-primary btn-md">
              Reload the page
            </a>
            <a href={paths.personalTokens}>Go to your personal access tokens</a>
          </p>
        </section>
      </div>
    );
  }
}

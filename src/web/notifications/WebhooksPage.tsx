import { Check, Copy, Plus, Send, TriangleAlert } from 'lucide-react';
import { type FormEvent, useId, useState } from 'react';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../core/webhook-events.ts';
import { ApiError } from '../api/client.ts';
import { Badge } from '../ui/Badge.tsx';
import { Button } from '../ui/Button.tsx';
import { copyToClipboard } from '../ui/clipboard.ts';
import { Dialog, FormActions } from '../ui/Dialog.tsx';
import { FieldError } from '../ui/FieldError.tsx';
import { PageHeader } from '../ui/PageHeader.tsx';
import { usePageTitle } from '../ui/page-title.ts';
import { useToast } from '../ui/Toast.tsx';
import {
  useAttempts,
  useCreateWebhook,
  useDeleteWebhook,
  useNotificationSettings,
  useResend,
  useSaveNotificationSettings,
  useSendTestEvent,
  useUpdateWebhook,
  useWebhooks,
  type Webhook,
} from './api.ts';
import './webhooks.css';

/** Settings → Webhooks (Admins): the webhooks, their delivery logs, and the expiry warning settings. */
export function WebhooksPage() {
  usePageTitle('Webhooks');
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  return (
    <div className="page">
      <PageHeader
        title="Webhooks"
        description="Tell other systems when tokens and accounts change, signed per Standard Webhooks."
      >
        <Button
          variant="primary"
          icon={<Plus size={16} aria-hidden="true" />}
          onClick={() => setCreating(true)}
        >
          Add webhook
        </Button>
      </PageHeader>
      {secret ? <SecretOnce {...secret} onDone={() => setSecret(null)} /> : null}
      <WebhookList />
      <WebhookDialog open={creating} onOpenChange={setCreating} onCreated={(created) => setSecret(created)} />
      <NotificationSettingsSection />
    </div>
  );
}

function WebhookList() {
  const query = useWebhooks();
  if (query.isPending) return <p className="field-hint">Loading webhooks…</p>;
  if (query.isError) return <p className="form-error">{query.error.message}</p>;
  if (query.data.items.length === 0)
    return <p className="field-hint">No webhooks yet. Add one to send events to another system.</p>;
  return (
    <ul className="webhook-list" aria-label="Webhooks">
      {query.data.items.map((webhook) => (
        <WebhookRow key={webhook.id} webhook={webhook} />
      ))}
    </ul>
  );
}

function SecretOnce({ url, secret, onDone }: { url: string; secret: string; onDone(): void }) {
  const toast = useToast();
  const [copied, setCopied] = useState(false);
  return (
    <section className="webhook-secret" aria-label="Signing secret">
      <div className="notice notice-warning" role="note">
        <TriangleAlert size={18} aria-hidden="true" style={{ flex: 'none' }} />
        <span>
          The signing secret of {url}. Copy it now into the receiver: Tessera will not show it again.
        </span>
      </div>
      <div className="secret-box">
        <code className="secret-value" data-testid="webhook-secret">
          {secret}
        </code>
      </div>
      <div className="secret-actions">
        <Button
          icon={copied ? <Check size={16} aria-hidden="true" /> : <Copy size={16} aria-hidden="true" />}
          onClick={() =>
            copyToClipboard(secret).then(
              () => {
                setCopied(true);
                toast.success('Secret copied to the clipboard.');
              },
              () => toast.error('The browser refused to copy; select the secret and copy it yourself.'),
            )
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </Button>
        <Button onClick={onDone}>Done</Button>
      </div>
    </section>
  );
}

function WebhookRow({ webhook }: { webhook: Webhook }) {
  const toast = useToast();
  const test = useSendTestEvent();
  const update = useUpdateWebhook();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [showLog, setShowLog] = useState(false);
  return (
    <li className="webhook-card" data-testid="webhook-row">
      <div className="webhook-head">
        <div className="cell-lines">
          <span className="cell-primary mono long-text">{webhook.url}</span>
          <span className="cell-secondary">{webhook.events.join(', ')}</span>
        </div>
        {webhook.enabled ? (
          <Badge tone="green">Enabled</Badge>
        ) : (
          <Badge tone="red">Disabled{webhook.disabled_reason ? `: ${webhook.disabled_reason}` : ''}</Badge>
        )}
      </div>
      <div className="webhook-actions">
        <Button
          size="sm"
          icon={<Send size={14} aria-hidden="true" />}
          disabled={!webhook.enabled}
          busy={test.isPending}
          onClick={() =>
            test.mutate(webhook.id, {
              onSuccess: () => {
                toast.success('Test event queued; its attempt shows in the delivery log.');
                setShowLog(true);
              },
              onError: (error) => toast.error(error.message),
            })
          }
        >
          Send test event
        </Button>
        <Button size="sm" onClick={() => setEditing(true)}>
          Edit
        </Button>
        <Button
          size="sm"
          busy={update.isPending}
          onClick={() =>
            update.mutate(
              { id: webhook.id, enabled: !webhook.enabled },
              { onError: (error) => toast.error(error.message) },
            )
          }
        >
          {webhook.enabled ? 'Disable' : 'Enable'}
        </Button>
        <Button size="sm" aria-expanded={showLog} onClick={() => setShowLog((v) => !v)}>
          Delivery log
        </Button>
        <Button size="sm" variant="danger" onClick={() => setDeleting(true)}>
          Delete
        </Button>
      </div>
      {showLog ? <DeliveryLog webhookId={webhook.id} /> : null}
      <WebhookDialog open={editing} onOpenChange={setEditing} webhook={webhook} />
      <DeleteDialog webhook={webhook} open={deleting} onOpenChange={setDeleting} />
    </li>
  );
}

function WebhookDialog({
  open,
  onOpenChange,
  webhook,
  onCreated,
}: {
  open: boolean;
  onOpenChange(open: boolean): void;
  webhook?: Webhook;
  onCreated?(created: { url: string; secret: string }): void;
}) {
  const ids = useId();
  const create = useCreateWebhook();
  const update = useUpdateWebhook();
  const [url, setUrl] = useState(webhook?.url ?? '');
  const [events, setEvents] = useState<Set<string>>(
    new Set(webhook?.events ?? ['token.revoked', 'token.expiring']),
  );
  const [errors, setErrors] = useState<{ url?: string; events?: string; form?: string }>({});
  const pending = create.isPending || update.isPending;

  const reset = (next: boolean) => {
    if (!next) {
      setUrl(webhook?.url ?? '');
      setEvents(new Set(webhook?.events ?? ['token.revoked', 'token.expiring']));
      setErrors({});
    }
    onOpenChange(next);
  };
  const onError = (error: Error) => {
    const field = error instanceof ApiError ? error.field?.split('.')[0] : undefined;
    if (error instanceof ApiError && (field === 'url' || field === 'events'))
      setErrors({ [field]: error.fieldMessage });
    else setErrors({ form: error.message });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const chosen = WEBHOOK_EVENT_TYPES.filter((type) => events.has(type)) as WebhookEventType[];
    if (chosen.length === 0) return setErrors({ events: 'Choose at least one event.' });
    if (webhook) {
      update.mutate({ id: webhook.id, url, events: chosen }, { onSuccess: () => reset(false), onError });
    } else {
      create.mutate(
        { url, events: chosen },
        {
          onSuccess: (created) => {
            onCreated?.({ url: created.webhook.url, secret: created.secret });
            reset(false);
          },
          onError,
        },
      );
    }
  };
  const formId = `${ids}-form`;
  return (
    <Dialog
      open={open}
      onOpenChange={reset}
      busy={pending}
      title={webhook ? 'Edit webhook' : 'Add webhook'}
      description="Events are POSTed as JSON to this URL, retried for 24 hours until it answers 2xx."
      footer={
        <FormActions
          form={formId}
          pending={pending}
          onCancel={() => reset(false)}
          submitLabel={webhook ? 'Save' : 'Add webhook'}
        />
      }
    >
      <form id={formId} onSubmit={submit} noValidate aria-label={webhook ? 'Edit webhook' : 'Add webhook'}>
        {errors.form ? (
          <div className="form-error" role="alert">
            {errors.form}
          </div>
        ) : null}
        <div className="field">
          <label className="field-label" htmlFor={`${ids}-url`}>
            URL
          </label>
          <input
            id={`${ids}-url`}
            className="input"
            type="url"
            placeholder="https://hooks.example.com/tessera"
            value={url}
            onChange={(e) => {
              setUrl(e.target.value);
              setErrors(({ url: _old, ...rest }) => rest);
            }}
            aria-invalid={errors.url ? true : undefined}
            aria-describedby={errors.url ? `${ids}-url-error` : undefined}
          />
          <FieldError id={`${ids}-url-error`} message={errors.url} />
        </div>
        <fieldset
          className="field webhook-events"
          aria-describedby={errors.events ? `${ids}-events-error` : undefined}
        >
          <legend className="field-label">Events</legend>
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label key={type} className="checkbox">
              <input
                type="checkbox"
                checked={events.has(type)}
                onChange={(e) => {
                  const next = new Set(events);
                  if (e.target.checked) next.add(type);
                  else next.delete(type);
                  setEvents(next);
                  setErrors(({ events: _old, ...rest }) => rest);
                }}
              />
              <span className="mono">{type}</span>
            </label>
          ))}
          <FieldError id={`${ids}-events-error`} message={errors.events} />
        </fieldset>
      </form>
    </Dialog>
  );
}

function DeleteDialog({
  webhook,
  open,
  onOpenChange,
}: {
  webhook: Webhook;
  open: boolean;
  onOpenChange(open: boolean): void;
}) {
  const remove = useDeleteWebhook();
  const toast = useToast();
  return (
    <Dialog
      open={open}
      onOpenChange={onOpenChange}
      busy={remove.isPending}
      title="Delete webhook"
      description={`${webhook.url} gets no more events; its pending deliveries and its log go with it.`}
      footer={
        <>
          <Button onClick={() => onOpenChange(false)} disabled={remove.isPending}>
            Cancel
          </Button>
          <Button
            variant="danger"
            busy={remove.isPending}
            onClick={() =>
              remove.mutate(webhook.id, {
                onSuccess: () => {
                  onOpenChange(false);
                  toast.success('Webhook deleted.');
                },
                onError: (error) => toast.error(error.message),
              })
            }
          >
            Delete webhook
          </Button>
        </>
      }
    />
  );
}

function DeliveryLog({ webhookId }: { webhookId: string }) {
  const attempts = useAttempts(webhookId);
  const resend = useResend(webhookId);
  const toast = useToast();
  if (attempts.isPending) return <p className="field-hint">Loading the delivery log…</p>;
  if (attempts.isError) return <p className="form-error">{attempts.error.message}</p>;
  if (attempts.data.items.length === 0) return <p className="field-hint">No delivery attempts yet.</p>;
  return (
    <div className="table-card">
      <table className="table" aria-label="Delivery log">
        <thead>
          <tr>
            <th>Time (UTC)</th>
            <th>Event</th>
            <th>Status</th>
            <th>Duration</th>
            <th>Response</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {attempts.data.items.map((attempt) => (
            <tr key={attempt.id} data-testid="attempt-row">
              <td className="mono">{attempt.at.replace('T', ' ').slice(0, 19)}</td>
              <td className="mono">{attempt.event_type}</td>
              <td>
                {attempt.status_code ?? '—'}{' '}
                <Badge
                  tone={
                    attempt.delivery_status === 'delivered'
                      ? 'green'
                      : attempt.delivery_status === 'failed'
                        ? 'red'
                        : 'orange'
                  }
                >
                  {attempt.delivery_status}
                </Badge>
              </td>
              <td>{attempt.duration_ms} ms</td>
              <td className="webhook-response">{attempt.error ?? attempt.response_start ?? ''}</td>
              <td>
                {attempt.delivery_status === 'failed' ? (
                  <Button
                    size="sm"
                    busy={resend.isPending}
                    onClick={() =>
                      resend.mutate(attempt.delivery_id, {
                        onSuccess: () => toast.success('Delivery queued again, with the same webhook-id.'),
                        onError: (error) => toast.error(error.message),
                      })
                    }
                  >
                    Resend
                  </Button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function NotificationSettingsSection() {
  const ids = useId();
  const settings = useNotificationSettings();
  const save = useSaveNotificationSettings();
  const toast = useToast();
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  if (settings.isPending) return null;
  if (settings.isError) return <p className="form-error">{settings.error.message}</p>;
  const value = text ?? settings.data.expiry_thresholds_days.join(', ');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const days = value
      .split(/[\s,]+/)
      .filter(Boolean)
      .map(Number);
    save.mutate(
      { expiry_thresholds_days: days },
      {
        onSuccess: () => {
          setText(null);
          toast.success('Expiry warnings saved.');
        },
        onError: (e) => setError(e instanceof ApiError ? e.fieldMessage : e.message),
      },
    );
  };
  return (
    <section className="account-section" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="section-title">
        Expiry warnings
      </h2>
      <p className="field-hint" data-testid="smtp-status">
        {settings.data.smtp_configured
          ? 'Email is configured: owners are warned before their tokens expire.'
          : 'Email is not configured (TESSERA_SMTP_URL): no email is sent. Webhooks still are.'}
      </p>
      <form onSubmit={submit} noValidate aria-label="Expiry warnings" className="account-form">
        <div className="field">
          <label className="field-label" htmlFor={`${ids}-days`}>
            Days before expiry
          </label>
          <input
            id={`${ids}-days`}
            className="input"
            value={value}
            onChange={(e) => {
              setText(e.target.value);
              setError(undefined);
            }}
            aria-invalid={error ? true : undefined}
            aria-describedby={`${ids}-days-hint${error ? ` ${ids}-days-error` : ''}`}
          />
          <FieldError id={`${ids}-days-error`} message={error} />
          <span className="field-hint" id={`${ids}-days-hint`}>
            For example 30, 7, 1. An “expired” notice is always sent too.
          </span>
        </div>
        <div>
          <Button type="submit" variant="primary" busy={save.isPending}>
            Save
          </Button>
        </div>
      </form>
    </section>
  );
}

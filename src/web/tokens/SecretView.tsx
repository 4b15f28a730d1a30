import { Check, Copy, Download, TriangleAlert } from 'lucide-react';
import { useId, useState } from 'react';
import { tokenFileName } from '../../core/names.ts';
import type { GeneratedToken } from '../api/types.ts';
import { Button } from '../ui/Button.tsx';
import { copyToClipboard } from '../ui/clipboard.ts';
import { useToast } from '../ui/Toast.tsx';

/** Saves the secret as `<slug-of-name>-token.txt`, e.g. ci-cd-pipeline-token.txt. */
function downloadSecret(tokenName: string, secret: string): void {
  const url = URL.createObjectURL(new Blob([`${secret}\n`], { type: 'text/plain' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = tokenFileName(tokenName);
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** A new token's secret, shown this once (Generate Token, Rotate): Copy, Download, and a line to try it. */
export function SecretView({ generated }: { generated: GeneratedToken }) {
  const toast = useToast();
  const [copied, setCopied] = useState(false);
  const secretId = useId();
  return (
    <>
      <div className="notice notice-warning" role="note">
        <TriangleAlert size={18} aria-hidden="true" style={{ flex: 'none' }} />
        <span>
          Copy or download this token now. Tessera keeps only a hash of it: you will not be able to see it
          again.
        </span>
      </div>
      <div className="field" style={{ marginTop: 'var(--space-5)' }}>
        <span className="field-label long-text" id={`${secretId}-label`}>
          {generated.token.name}
        </span>
        <div className="secret-box">
          <code className="secret-value" data-testid="token-secret">
            {generated.secret}
          </code>
        </div>
        <div className="secret-actions">
          <Button
            icon={copied ? <Check size={16} aria-hidden="true" /> : <Copy size={16} aria-hidden="true" />}
            onClick={() =>
              copyToClipboard(generated.secret).then(
                () => {
                  setCopied(true);
                  toast.success('Token copied to the clipboard.');
                },
                () => toast.error('The browser refused to copy; select the token and copy it yourself.'),
              )
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </Button>
          <Button
            icon={<Download size={16} aria-hidden="true" />}
            onClick={() => downloadSecret(generated.token.name, generated.secret)}
          >
            Download
          </Button>
        </div>
        <span className="field-hint">
          Download saves <code>{tokenFileName(generated.token.name)}</code>.
        </span>
      </div>
      <div className="field">
        <span className="field-label">Try it</span>
        <code className="usage-example" data-testid="usage-example">
          curl -H "Authorization: Bearer {generated.secret}" {window.location.origin}/api/me
        </code>
      </div>
    </>
  );
}

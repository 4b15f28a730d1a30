import { describe, expect, it } from 'vitest';
import { describeUserAgent } from '../../src/web/users/user-agent.ts';

describe("describeUserAgent (the audit log's From column)", () => {
  it('names the browser with its major version and the system', () => {
    expect(
      describeUserAgent(
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      ),
    ).toBe('Chrome 131 · macOS');
    expect(
      describeUserAgent('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0'),
    ).toBe('Firefox 133 · Windows');
    expect(
      describeUserAgent(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      ),
    ).toBe('Edge 131 · Windows');
    expect(
      describeUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari 17 · iOS');
  });

  it('falls back to the first product for tools', () => {
    expect(describeUserAgent('curl/8.5.0')).toBe('curl 8.5.0');
    expect(describeUserAgent('python-requests/2.32.3')).toBe('python-requests 2.32.3');
    expect(describeUserAgent('Terraform/1.9.0 (+https://www.terraform.io)')).toBe('Terraform 1.9.0');
  });
});

import nodemailer, { type Transporter } from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends email over SMTP (TESSERA_SMTP_URL); without it, `configured` is false and nothing is sent. */
export class Mailer {
  readonly #transport: Transporter | undefined;
  readonly #from: string;

  constructor(settings: { smtpUrl: string | undefined; from: string }) {
    this.#transport = settings.smtpUrl ? nodemailer.createTransport(settings.smtpUrl) : undefined;
    this.#from = settings.from;
  }

  get configured(): boolean {
    return this.#transport !== undefined;
  }

  async send(mail: Mail): Promise<void> {
    if (!this.#transport) throw new Error('SMTP is not configured (TESSERA_SMTP_URL)');
    await this.#transport.sendMail({ from: this.#from, ...mail });
  }

  close(): void {
    this.#transport?.close();
  }
}

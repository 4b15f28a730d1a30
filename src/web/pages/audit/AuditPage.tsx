// Placeholder: the Audit log page is built on its own branch (see issue 3, item 6).
export function AuditPage() {
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1 className="page-title">Audit log</h1>
          <p className="page-description">Who did what to which token or account, when and from where.</p>
        </div>
      </header>
    </div>
  );
}

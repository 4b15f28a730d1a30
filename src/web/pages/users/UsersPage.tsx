// Placeholder: Settings → Security → Users is built on its own branch (see issue 3, item 5).
export function UsersPage() {
  return (
    <div className="page">
      <header className="page-header">
        <div>
          <h1 className="page-title">Users</h1>
          <p className="page-description">People and service users of this workspace.</p>
        </div>
      </header>
    </div>
  );
}

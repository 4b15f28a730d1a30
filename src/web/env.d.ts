// Vite turns `import './styles.css'` into a stylesheet; TypeScript only needs to know it is a module.
declare module '*.css';

"""What lender admins configure without a redeploy: products, branding, versioned definitions with maker-checker, and the configuration document (export/import)."""

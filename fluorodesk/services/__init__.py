"""Application services: one transaction per user action, an audit event per change, DTOs out."""

"""Customer relations (客户关系管理): a merchant's timeline, fading customers, and re-screening of existing
customers with saved models whose target lists go to the managers' inboxes."""

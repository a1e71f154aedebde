"""Market and peer intelligence (市场及同业信息追踪): peer records, the product catalogue, needs surveys, market
analysis."""

"""Batch channels (批量营销渠道), marketing activities (通路) and the leads captured at them."""

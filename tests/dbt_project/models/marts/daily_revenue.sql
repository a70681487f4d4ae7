{{ config(materialized='materialized_view') }}

select trunc(ordered_at) as order_date, sum(amount) as revenue
from {{ ref('orders_merge') }}
group by trunc(ordered_at)

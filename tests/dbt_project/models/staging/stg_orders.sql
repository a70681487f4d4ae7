select order_id, customer_id, amount, status, ordered_at, batch
from {{ ref('raw_orders') }}
where batch <= {{ var('batch') }}

-- Each customer's latest row among the batches loaded so far.
select customer_id, name, email
from (
    select
        customer_id, name, email,
        row_number() over (partition by customer_id order by batch desc) as recency
    from {{ ref('raw_customers') }}
    where batch <= {{ var('batch') }}
) as ranked
where recency = 1

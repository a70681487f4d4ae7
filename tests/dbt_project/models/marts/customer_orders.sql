{{ config(dist='customer_id', sort=['customer_id']) }}

with latest_orders as (
    select *
    from (
        select *, row_number() over (partition by order_id order by batch desc) as recency
        from {{ ref('stg_orders') }}
    ) as ranked
    where recency = 1
)

select
    c.customer_id,
    c.name,
    count(o.order_id) as order_count,
    coalesce(sum(o.amount), 0) as lifetime_value,
    max(o.ordered_at) as last_ordered_at
from {{ ref('stg_customers') }} as c
left join latest_orders as o on o.customer_id = c.customer_id
group by c.customer_id, c.name
